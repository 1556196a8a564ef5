import { Injectable } from '@nestjs/common';
import { Prisma, type AssetCode, type LedgerEntryType } from '@prisma/client';
import { PrismaService, type SqlClient } from '../database/prisma.service';
import type { Db } from '../users/users.repository';
import type { Decimal } from '../assets/amounts';

export interface Posting {
  accountId: string;
  type: LedgerEntryType;
  /** Signed: the database checks the sign per type and refuses an overdraft. */
  amount: Decimal;
  /** Derived from the referenced record (the database checks it): deposit:<id>, withdrawal:<id>:hold ... */
  idempotencyKey: string;
  depositId?: string;
  withdrawalId?: string;
  investmentId?: string;
  description?: string;
}

/** A posting to the (user, asset) account, which is created at zero if it does not exist yet. */
export interface AccountPosting extends Omit<Posting, 'accountId' | 'amount'> {
  userId: string;
  asset: AssetCode;
  /** Signed decimal string. */
  amount: string;
}

export interface LedgerRow {
  id: string;
  seq: bigint;
  type: LedgerEntryType;
  amount: string;
  balanceAfter: string;
  depositId: string | null;
  withdrawalId: string | null;
  investmentId: string | null;
  description: string | null;
  createdAt: Date;
}

/**
 * Every query on accounts and ledger entries. Balances change only by inserting entries:
 * the database applies them to Account.balance (money migration), so this class never
 * writes a balance.
 */
@Injectable()
export class LedgerRepository {
  constructor(private readonly prisma: PrismaService) {}

  transaction<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(fn, { maxWait: 10_000, timeout: 30_000 });
  }

  /** The (user, asset) account's id, created at zero on first use. */
  async ensureAccount(userId: string, asset: AssetCode, db: Db = this.prisma): Promise<string> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const rows = await db.$queryRaw<{ id: string }[]>`
        WITH created AS (
          INSERT INTO "Account" ("id", "userId", "asset") VALUES (gen_random_uuid(), ${userId}::uuid, ${asset}::"AssetCode")
          ON CONFLICT ("userId", "asset") DO NOTHING RETURNING "id")
        SELECT "id" FROM created
        UNION ALL
        SELECT "id" FROM "Account" WHERE "userId" = ${userId}::uuid AND "asset" = ${asset}::"AssetCode"`;
      if (rows[0]) return rows[0].id;
      // A concurrent creator committed after this statement's snapshot: read again.
    }
    throw new Error(`account for ${asset} could not be created`);
  }

  /**
   * Spend check: locks the (user, asset) account until the transaction ends and returns its
   * id when its balance covers `amount`, null when it does not. Concurrent spenders queue on
   * the lock, so none of them can spend what another has taken (the CHECK is the backstop).
   */
  async lockIfCovered(userId: string, asset: AssetCode, amount: Decimal, tx: Prisma.TransactionClient): Promise<string | null> {
    const accountId = await this.ensureAccount(userId, asset, tx);
    const rows = await tx.$queryRaw<{ balance: Decimal }[]>`SELECT "balance" FROM "Account" WHERE "id" = ${accountId}::uuid FOR UPDATE`;
    return rows[0]!.balance.lt(amount) ? null : accountId;
  }

  async post(posting: Posting, db: Db): Promise<void> {
    await db.ledgerEntry.create({
      data: {
        accountId: posting.accountId,
        type: posting.type,
        amount: posting.amount,
        idempotencyKey: posting.idempotencyKey,
        depositId: posting.depositId,
        withdrawalId: posting.withdrawalId,
        investmentId: posting.investmentId,
        description: posting.description,
      },
    });
  }

  /**
   * Many postings in the caller's SQL transaction, set-based: one statement creates the
   * missing accounts, one inserts every entry. Entries go in account order, so two batches
   * lock the accounts they share in the same order (the triggers lock each entry's account).
   * All or nothing: the caller's transaction fails if any entry is refused.
   */
  async postMany(postings: AccountPosting[], client: SqlClient): Promise<void> {
    if (postings.length === 0) return;
    const column = <K extends keyof AccountPosting>(key: K) => postings.map((p) => p[key] ?? null);
    await client.query(
      `INSERT INTO "Account" ("id", "userId", "asset")
       SELECT gen_random_uuid(), t."userId", t."asset"
         FROM (SELECT DISTINCT * FROM unnest($1::uuid[], $2::"AssetCode"[]) AS u("userId", "asset") ORDER BY 1, 2) t
       ON CONFLICT ("userId", "asset") DO NOTHING`,
      [column('userId'), column('asset')],
    );
    const { rowCount } = await client.query(
      `INSERT INTO "LedgerEntry" ("id", "accountId", "type", "amount", "idempotencyKey", "depositId", "withdrawalId", "investmentId", "description")
       SELECT gen_random_uuid(), a."id", p."type", p."amount", p."idempotencyKey", p."depositId", p."withdrawalId", p."investmentId", p."description"
         FROM unnest($1::uuid[], $2::"AssetCode"[], $3::"LedgerEntryType"[], $4::numeric[], $5::text[], $6::uuid[], $7::uuid[], $8::uuid[], $9::text[])
              AS p("userId", "asset", "type", "amount", "idempotencyKey", "depositId", "withdrawalId", "investmentId", "description")
         JOIN "Account" a ON a."userId" = p."userId" AND a."asset" = p."asset"
        ORDER BY a."id", p."idempotencyKey"`,
      [
        column('userId'),
        column('asset'),
        column('type'),
        column('amount'),
        column('idempotencyKey'),
        column('depositId'),
        column('withdrawalId'),
        column('investmentId'),
        column('description'),
      ],
    );
    // Cannot happen after the account insert above (same transaction); checked because money is at stake.
    if (rowCount !== postings.length) throw new Error(`ledger: ${rowCount} of ${postings.length} entries found their account`);
  }

  /**
   * The caller's balances (`GET /accounts`, the hottest read after authentication): plain SQL
   * on Prisma's pool, balances as exact decimal strings (docs/performance.md, "Hot reads").
   */
  async balances(userId: string): Promise<{ asset: AssetCode; balance: string }[]> {
    const { rows } = await this.prisma.pool.query<{ asset: AssetCode; balance: string }>(
      'SELECT "asset"::text AS "asset", "balance"::text AS "balance" FROM "Account" WHERE "userId" = $1',
      [userId],
    );
    return rows;
  }

  /**
   * One page of an account's history, newest first, with the balance after each entry
   * (a running sum in seq order, which is the order entries were applied: see the money migration).
   */
  history(userId: string, asset: AssetCode, options: { limit: number; beforeSeq?: bigint }): Promise<LedgerRow[]> {
    const before = options.beforeSeq === undefined ? Prisma.empty : Prisma.sql`AND "seq" < ${options.beforeSeq}`;
    return this.prisma.$queryRaw<LedgerRow[]>`
      SELECT * FROM (
        SELECT e."id", e."seq", e."type", e."amount"::text AS "amount",
               (SUM(e."amount") OVER (ORDER BY e."seq"))::text AS "balanceAfter",
               e."depositId", e."withdrawalId", e."investmentId", e."description", e."createdAt"
          FROM "LedgerEntry" e JOIN "Account" a ON a."id" = e."accountId"
         WHERE a."userId" = ${userId}::uuid AND a."asset" = ${asset}::"AssetCode") entries
       WHERE TRUE ${before}
       ORDER BY "seq" DESC
       LIMIT ${options.limit}`;
  }
}
