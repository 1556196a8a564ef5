/**
 * The local platform's parts on their own: the simulated chain speaks the verifier contract
 * (checked with our real client), `npm run seed` is idempotent, and /docs follows API_DOCS_ENABLED.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/config.schema';
import { BlockchainVerifierClient, type VerifyRequest } from '../src/deposits/verifier/blockchain-verifier.client';
import { startSimulatedChain, type SimulatedChain } from '../src/local/simulated-chain';
import { createLogger } from '../src/logging/logger';
import { productionRequiredEnv, startTestApp, testEnv } from './harness/app';
import { createTestDatabase } from './harness/postgres';
import { runNode } from './harness/process';

const BTC_ADDRESS = 'bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh';

describe('the simulated chain (development verifier)', () => {
  let chain: SimulatedChain;
  beforeAll(async () => {
    chain = await startSimulatedChain({ secondsPerConfirmation: 0.2 });
  });
  afterAll(() => chain.close());

  const client = (secret = chain.secret) =>
    new BlockchainVerifierClient(
      loadConfig(testEnv({ DATABASE_URL: 'postgresql://unused@127.0.0.1:1/unused', BLOCKCHAIN_VERIFIER_URL: chain.url, BLOCKCHAIN_VERIFIER_SECRET: secret, BLOCKCHAIN_VERIFIER_RETRIES: '0' })),
      createLogger({ LOG_LEVEL: 'silent', LOG_FORMAT: 'json' }),
    );
  const send = async (body: Record<string, unknown>) => {
    const res = await fetch(`${chain.url}/dev/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as { txHash?: string; error?: string } };
  };
  const request = (txHash: string): VerifyRequest => ({ asset: 'BTC', txHash, address: BTC_ADDRESS, minConfirmations: 3, expectedAmount: '0.5', tolerancePercent: '1' });

  it('a sent transaction is pending, gains confirmations, then is confirmed with its amount and our address', async () => {
    const { status, body } = await send({ asset: 'BTC', amount: '0.5', toAddress: BTC_ADDRESS });
    expect(status).toBe(201);
    expect(body.txHash).toMatch(/^[0-9a-f]{64}$/);
    expect((await client().verify(request(body.txHash!))).outcome).toEqual({ kind: 'pending', confirmations: 0 });
    await new Promise((r) => setTimeout(r, 700));
    expect((await client().verify(request(body.txHash!))).outcome).toEqual({ kind: 'confirmed', confirmations: expect.any(Number), receivedAmount: '0.5' });
  });

  it('answers NOT_FOUND for unknown hashes, MISMATCH on request, 401 without the secret, 400 for bad input', async () => {
    expect((await client().verify(request('ab'.repeat(32)))).outcome).toMatchObject({ kind: 'not_found' });
    const mismatched = await send({ asset: 'BTC', amount: '0.5', toAddress: BTC_ADDRESS, mismatch: 'transaction reverted' });
    expect((await client().verify(request(mismatched.body.txHash!))).outcome).toMatchObject({ kind: 'mismatch', reason: 'transaction reverted' });
    expect((await client('wrong-secret').verify(request('ab'.repeat(32)))).outcome).toMatchObject({ kind: 'error' });
    const raw = await fetch(`${chain.url}/v1/verify`, { method: 'POST', headers: { 'x-verifier-secret': 'nope', 'content-type': 'application/json' }, body: '{}' });
    expect(raw.status).toBe(401);
    const badHash = await fetch(`${chain.url}/v1/verify`, {
      method: 'POST',
      headers: { 'x-verifier-secret': chain.secret, 'content-type': 'application/json' },
      body: JSON.stringify({ asset: 'BTC', txHash: 'XYZ', address: BTC_ADDRESS, minConfirmations: 1 }),
    });
    expect(badHash.status).toBe(400);
    for (const body of [{ asset: 'DOGE', amount: '1', toAddress: BTC_ADDRESS }, { asset: 'BTC', amount: '-1', toAddress: BTC_ADDRESS }, { asset: 'BTC', amount: '1', toAddress: '0xnope' }]) {
      expect((await send(body)).status).toBe(400);
    }
  });

  it('refuses to start with NODE_ENV=production', async () => {
    await expect(startSimulatedChain({ env: { NODE_ENV: 'production' } })).rejects.toThrow(/development only/);
  });
});

describe('npm run seed', () => {
  it('creates the demo plans and one admin once, keeps the generated password in .local/ under the database’s name (mode 600), and changes nothing when run again', async () => {
    const db = await createTestDatabase();
    const localDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-seed-'));
    try {
      const seed = () => runNode('dist/local/seed.js', { DATABASE_URL: db.url, LOCAL_DATA_DIR: localDir });
      const first = seed();
      expect((await first.exited).code).toBe(0);
      const password = /created with password (\S+)/.exec(first.output())?.[1];
      expect(password).toBeDefined();
      // Kept per database, so seeding this one leaves npm start's admin.json alone.
      const port = new URL(db.url).port;
      const file = path.join(localDir, `admin-127.0.0.1-${port}-${new URL(db.url).pathname.slice(1)}.json`);
      expect(fs.readdirSync(localDir)).toEqual([path.basename(file)]);
      expect(first.output()).toContain(`kept in ${path.relative(path.join(__dirname, '..'), file)} (mode 600)`);
      const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
      expect(saved).toEqual({ email: 'admin@kryptovault.local', password });
      expect(fs.statSync(file).mode & 0o077).toBe(0);
      await db.pool.query(`UPDATE "Plan" SET active = false WHERE name = 'Ether Flex 14'`);

      const second = seed();
      expect((await second.exited).code).toBe(0);
      expect(second.output()).toContain('seed: 0 plan(s) created (4 already there)');
      expect(second.output()).not.toContain(password!);
      const plans = await db.pool.query(`SELECT name, active FROM "Plan" ORDER BY name`);
      expect(plans.rows).toHaveLength(4);
      // An admin's change to a seeded plan is kept.
      expect(plans.rows.find((p) => p.name === 'Ether Flex 14').active).toBe(false);
      const admins = await db.pool.query(`SELECT email, role, "emailVerifiedAt" IS NOT NULL AS verified FROM "User"`);
      expect(admins.rows).toEqual([{ email: 'admin@kryptovault.local', role: 'ADMIN', verified: true }]);

      const noDatabase = runNode('dist/local/seed.js', { LOCAL_DATA_DIR: localDir });
      expect((await noDatabase.exited).code).toBe(2);
      expect(noDatabase.output()).toContain('DATABASE_URL is not set');
    } finally {
      fs.rmSync(localDir, { recursive: true, force: true });
      await db.drop();
    }
  });
});

describe('/docs (API_DOCS_ENABLED)', () => {
  it('serves the interactive reference by default, not when turned off; /openapi.json stays; production defaults to off', async () => {
    const db = await createTestDatabase();
    const on = await startTestApp({ DATABASE_URL: db.url });
    const off = await startTestApp({ DATABASE_URL: db.url, API_DOCS_ENABLED: 'false' });
    try {
      const page = await fetch(`${on.baseUrl}/docs`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(await page.text()).toContain('swagger-ui');
      expect((await fetch(`${off.baseUrl}/docs`)).status).toBe(404);
      expect((await fetch(`${off.baseUrl}/openapi.json`)).status).toBe(200);
    } finally {
      await on.close();
      await off.close();
      await db.drop();
    }
    const production = { NODE_ENV: 'production', DATABASE_URL: 'postgresql://kv:pw@db.internal:5432/kv', JWT_SECRET: 'Zq8rT2vW5yB7nM4kP1xC9hF3jL6sD0gA', ...productionRequiredEnv() };
    expect(loadConfig(production).API_DOCS_ENABLED).toBe(false);
    expect(loadConfig({ ...production, API_DOCS_ENABLED: 'true' }).API_DOCS_ENABLED).toBe(true);
    expect(() => loadConfig(testEnv({ DATABASE_URL: 'postgresql://a@b/c', API_DOCS_ENABLED: 'maybe' }))).toThrow(/API_DOCS_ENABLED: must be true or false/);
  });
});
