import crypto from 'node:crypto';
import { ApiClient, registerAndVerify } from './auth-client';
import { startTestApp, type TestApp } from './app';
import { inTransaction } from '../../src/database/pg-adapter';
import { createTestDatabase, type TestDatabase } from './postgres';
import { startTestSmtp, type TestSmtp } from './smtp';
import { startTestVerifier, type TestVerifier } from './verifier';
import { ASSETS, canonicalTxHash, type AssetDefinition } from '../../src/assets/asset-registry';
import { DepositMonitorService } from '../../src/deposits/deposit-monitor.service';

export const PASSWORD = 'Correct-Horse-Battery-9';
export const ETH_ADDRESS = '0x000000000000000000000000000000000000dead';

export interface TestUser {
  id: string;
  email: string;
  token: string;
}

export interface MoneyTestEnv {
  db: TestDatabase;
  smtp: TestSmtp;
  verifier: TestVerifier;
  app: TestApp;
  api: ApiClient;
  /** Variables that point a worker process at the same database and verifier. */
  workerEnv: Record<string, string>;
  /** A registered, verified user (optionally KYC-approved or ADMIN, set in the database as an admin would). */
  newUser(options?: { kyc?: boolean; admin?: boolean }): Promise<TestUser>;
  /** Credits `amount` to a user through a deposit, with raw SQL the database checks like the monitor's. */
  fund(userId: string, asset: string, amount: string): Promise<void>;
  /** One deposit monitor pass in the app's process. */
  monitorPass(): ReturnType<DepositMonitorService['runPass']>;
  close(): Promise<void>;
}

/** Fast verifier and recheck settings so tests need no waiting; tests override what they exercise. */
export const MONEY_TEST_SETTINGS: Record<string, string> = {
  BLOCKCHAIN_VERIFIER_TIMEOUT_MS: '1000',
  BLOCKCHAIN_VERIFIER_RETRIES: '1',
  DEPOSIT_RECHECK_SECONDS: '1',
  DEPOSIT_RECHECK_MAX_SECONDS: '1',
  RATE_LIMIT_PER_IP: '100000',
  RATE_LIMIT_PER_ACCOUNT: '1000',
};

export async function startMoneyTestEnv(env: Record<string, string> = {}): Promise<MoneyTestEnv> {
  const db = await createTestDatabase();
  const smtp = await startTestSmtp();
  const verifier = await startTestVerifier();
  const settings = { ...MONEY_TEST_SETTINGS, ...verifier.env, ...env };
  const app = await startTestApp({ DATABASE_URL: db.url, ...smtp.env, ...settings });
  const api = new ApiClient(app.baseUrl);
  let n = 0;
  return {
    db,
    smtp,
    verifier,
    app,
    api,
    workerEnv: { NODE_ENV: 'test', LOG_FORMAT: 'json', DATABASE_URL: db.url, ...settings },
    async newUser(options = {}) {
      const email = `user${++n}-${crypto.randomBytes(3).toString('hex')}@example.com`;
      const { accessToken, userId } = await registerAndVerify(api, smtp, { email, password: PASSWORD, name: `User ${n}` });
      if (options.kyc) await db.pool.query(`UPDATE "User" SET "kycStatus" = 'APPROVED' WHERE id = $1`, [userId]);
      if (options.admin) await db.pool.query(`UPDATE "User" SET role = 'ADMIN' WHERE id = $1`, [userId]);
      return { id: userId, email, token: accessToken };
    },
    fund: (userId, asset, amount) => fundWithSql(db.pool, userId, asset, amount),
    monitorPass: () => app.app.get(DepositMonitorService).runPass(),
    close: async () => {
      await app.close();
      await verifier.close();
      await smtp.close();
      await db.drop();
    },
  };
}

/**
 * Credits `amount` to a user through a CREDITED deposit and its ledger entry, with raw SQL the
 * database checks like the monitor's (no verifier, no monitor pass).
 */
export async function fundWithSql(pool: import('pg').Pool, userId: string, asset: string, amount: string): Promise<void> {
  const code = asset as AssetDefinition['code'];
  await inTransaction(pool, async (client) => {
    const { rows } = await client.query(
      `INSERT INTO "Deposit" (id, "userId", asset, "expectedAmount", address, "requiredConfirmations", "expiresAt", "updatedAt")
       VALUES (gen_random_uuid(), $1, $2, $3, $4, 1, now() + interval '1 day', now()) RETURNING id`,
      [userId, asset, amount, ASSETS[code].defaults.devAddress],
    );
    const id = rows[0].id;
    await client.query(`UPDATE "Deposit" SET status = 'SUBMITTED', "txHash" = $2 WHERE id = $1`, [id, randomTxHash(code)]);
    await client.query(`UPDATE "Deposit" SET status = 'CREDITED', "receivedAmount" = $2, "creditedAt" = now() WHERE id = $1`, [id, amount]);
    const account = await client.query(
      `INSERT INTO "Account" (id, "userId", asset) VALUES (gen_random_uuid(), $1, $2) ON CONFLICT ("userId", asset) DO UPDATE SET asset = EXCLUDED.asset RETURNING id`,
      [userId, asset],
    );
    await client.query(`INSERT INTO "LedgerEntry" (id, "accountId", type, amount, "idempotencyKey", "depositId") VALUES (gen_random_uuid(), $1, 'DEPOSIT', $2, $3, $4)`, [
      account.rows[0].id,
      amount,
      `deposit:${id}`,
      id,
    ]);
  });
}

/** The balance the API reports for one asset. */
export async function balanceOf(api: ApiClient, token: string, asset: string): Promise<string> {
  const res = await api.get('/accounts', { token });
  if (res.status !== 200) throw new Error(`GET /accounts answered ${res.status}`);
  return (res.body.items as { asset: string; balance: string }[]).find((b) => b.asset === asset)!.balance;
}

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** A fresh, canonical transaction hash of the asset's chain. */
export function randomTxHash(asset: AssetDefinition['code']): string {
  if (ASSETS[asset].txHashFormat === 'base58sig') return Array.from(crypto.randomBytes(88), (b) => BASE58[b % BASE58.length]).join('');
  return canonicalTxHash(asset, crypto.randomBytes(32).toString('hex'))!;
}

/**
 * `txHashes.length` ETH deposits of `userId`, SUBMITTED with those hashes and due now (as if
 * each user had opened an intent for 1 ETH and sent the hash), straight into the database.
 */
export async function insertDueDeposits(pool: import('pg').Pool, userId: string, txHashes: string[], requiredConfirmations = 12): Promise<string[]> {
  const { rows } = await pool.query(
    `INSERT INTO "Deposit" (id, "userId", asset, "expectedAmount", address, "requiredConfirmations", "expiresAt", "updatedAt")
     SELECT gen_random_uuid(), $1, 'ETH', 1, $2, $3, now() + interval '1 day', now() FROM generate_series(1, $4) RETURNING id`,
    [userId, ETH_ADDRESS, requiredConfirmations, txHashes.length],
  );
  const ids = rows.map((r) => r.id as string);
  await pool.query(
    `UPDATE "Deposit" d SET status = 'SUBMITTED', "txHash" = h.hash, "submittedAt" = now(), "nextCheckAt" = now()
       FROM unnest($1::uuid[], $2::text[]) AS h(id, hash) WHERE d.id = h.id`,
    [ids, txHashes],
  );
  return ids;
}
