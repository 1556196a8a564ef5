/**
 * The baseline of bench/hot-reads.js: bare Fastify doing what the API must do for
 * `GET /auth/me`, `GET /accounts` and `GET /healthz` — the same bearer check (HS256 JWT
 * with jsonwebtoken, as @nestjs/jwt does), the same user lookup and token-version check,
 * the same SQL, the same response bodies — and nothing else (no logging, metrics, request
 * ids, validation or Nest). `pg` mode sends the SQL Prisma sends through a plain pg pool;
 * `prisma` mode uses the project's Prisma client (same driver adapter and pool settings).
 *
 * node bench/baselines/hot-reads-bare.js <pg|prisma>   (PORT, DATABASE_URL, JWT_SECRET)
 */
'use strict';
const { createSecretKey } = require('node:crypto');
const Fastify = require('fastify');
const jwt = require('jsonwebtoken');
const { PrismaClient } = require('@prisma/client');
const { ASSET_CODES } = require('../../Backend/dist/assets/asset-registry');
const { formatAmount } = require('../../Backend/dist/assets/amounts');
const { createPgPool, createPrismaPg } = require('../../Backend/dist/database/pg-adapter');

const mode = process.argv[2];
const { PORT, DATABASE_URL, JWT_SECRET } = process.env;
// As the API does (auth.module.ts): a KeyObject, so jsonwebtoken does not try PEM parsing per call.
const JWT_KEY = createSecretKey(Buffer.from(JWT_SECRET, 'utf8'));

// Prisma's own statements for findUnique / findMany with these selections (read from its query log).
const USER_SQL =
  'SELECT "public"."User"."id", "public"."User"."email", "public"."User"."passwordHash", "public"."User"."name", "public"."User"."role"::text, ' +
  '"public"."User"."emailVerifiedAt", "public"."User"."kycStatus"::text, "public"."User"."lastLoginAt", "public"."User"."failedLoginCount", ' +
  '"public"."User"."lockedUntil", "public"."User"."tokenVersion", "public"."User"."createdAt", "public"."User"."updatedAt" ' +
  'FROM "public"."User" WHERE ("public"."User"."id" = $1 AND 1=1) LIMIT $2 OFFSET $3';
const BALANCES_SQL = 'SELECT "public"."Account"."asset"::text, "public"."Account"."balance" FROM "public"."Account" WHERE "public"."Account"."userId" = $1 OFFSET $2';

function store() {
  if (mode === 'pg') {
    const pool = createPgPool(DATABASE_URL);
    return {
      user: async (id) => (await pool.query(USER_SQL, [id, 1, 0])).rows[0],
      balances: async (userId) => (await pool.query(BALANCES_SQL, [userId, 0])).rows,
    };
  }
  if (mode === 'prisma') {
    const prisma = new PrismaClient({ adapter: createPrismaPg(DATABASE_URL) });
    return {
      user: (id) => prisma.user.findUnique({ where: { id } }),
      balances: (userId) => prisma.account.findMany({ where: { userId }, select: { asset: true, balance: true } }),
    };
  }
  throw new Error(`mode must be pg or prisma, got ${mode}`);
}

const db = store();
const app = Fastify({ logger: false });
const unauthorized = (reply, code) => reply.code(401).send({ statusCode: 401, error: code, message: 'unauthorized' });

async function authenticate(request, reply) {
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(request.headers.authorization ?? '');
  if (!match) return unauthorized(reply, 'ACCESS_TOKEN_MISSING');
  let claims;
  try {
    claims = jwt.verify(match[1], JWT_KEY, { algorithms: ['HS256'] });
  } catch {
    return unauthorized(reply, 'ACCESS_TOKEN_INVALID');
  }
  if (claims.typ !== 'access' || typeof claims.sub !== 'string' || !Number.isInteger(claims.ver)) return unauthorized(reply, 'ACCESS_TOKEN_INVALID');
  const user = await db.user(claims.sub);
  if (!user || user.tokenVersion !== claims.ver) return unauthorized(reply, 'ACCESS_TOKEN_REVOKED');
  request.user = user;
}

app.get('/healthz', async () => ({ status: 'ok', info: {}, error: {}, details: {} }));
app.get('/auth/me', { preHandler: authenticate }, async (request) => {
  const u = request.user;
  return { id: u.id, email: u.email, name: u.name, role: u.role, emailVerified: u.emailVerifiedAt !== null, kycStatus: u.kycStatus, createdAt: new Date(u.createdAt).toISOString() };
});
app.get('/accounts', { preHandler: authenticate }, async (request) => {
  const held = new Map((await db.balances(request.user.id)).map((a) => [a.asset, a.balance]));
  return { items: ASSET_CODES.map((asset) => ({ asset, balance: formatAmount(asset, held.get(asset) ?? '0') })) };
});

app.listen({ port: Number(PORT), host: '127.0.0.1' }).then(
  () => process.stdout.write(`listening on ${PORT}\n`),
  (error) => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  },
);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
