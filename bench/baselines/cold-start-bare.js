/**
 * The baseline of bench/cold-start.js: the least a server on this stack must do before it
 * can answer readiness — load Fastify and pg, open a pool on DATABASE_URL, listen on PORT —
 * and `GET /readyz` sending the API's two readiness queries (`SELECT 1`, the applied
 * migrations) on that pool. No Nest, no Prisma, no logging, no validation, no OpenAPI.
 *
 * node bench/baselines/cold-start-bare.js   (PORT, HOST, DATABASE_URL)
 */
'use strict';
const Fastify = require('fastify');
const pg = require('pg');

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const app = Fastify();

app.get('/readyz', async (_request, reply) => {
  try {
    await pool.query('SELECT 1');
    const { rows } = await pool.query('SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL');
    return { status: 'ok', migrations: rows.length };
  } catch {
    return reply.code(503).send({ status: 'database unavailable' });
  }
});

const stop = () => app.close().then(() => pool.end()).then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

app.listen({ port: Number(process.env.PORT), host: process.env.HOST ?? '127.0.0.1' }).catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
