import { Injectable } from '@nestjs/common';
import type { Prisma } from '@prisma/client';
import { PrismaService } from '../database/prisma.service';

/** Serializes earnings passes batch by batch: two passes at once never deadlock, the second finds the work done. */
const EARNINGS_LOCK = 7_301_220_271;

/** Serialises with the earnings job's batches (an admin cancellation takes it too). */
export async function lockEarnings(tx: Prisma.TransactionClient): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${EARNINGS_LOCK}::bigint)`;
}
const BATCH_STATEMENT_TIMEOUT = '10min';

/**
 * The earnings job's set-based SQL. Each call is one transaction over a batch of
 * investments: a pass killed at any instant loses at most an uncommitted batch, which the
 * next pass redoes; Earning's unique (investment, date) and the derived ledger keys make a
 * repeat impossible.
 */
@Injectable()
export class EarningsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The database's UTC date: the default "today" of a pass. */
  async today(): Promise<string> {
    const rows = await this.prisma.$queryRaw<{ today: string }[]>`SELECT to_char(current_date, 'YYYY-MM-DD') AS "today"`;
    return rows[0]!.today;
  }

  /** Ids of ACTIVE investments after `afterId`, in id order (keyset batches). */
  async activeIds(afterId: string | null, limit: number): Promise<string[]> {
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      SELECT "id" FROM "Investment" WHERE "status" = 'ACTIVE' AND "id" > ${afterId ?? '00000000-0000-0000-0000-000000000000'}::uuid
       ORDER BY "id" LIMIT ${limit}`;
    return rows.map((r) => r.id);
  }

  /**
   * Every scheduled day of these investments up to `asOf` that has not accrued yet: its
   * Earning row and its EARNING ledger entry (zero-amount days get the row only).
   */
  accrue(ids: string[], asOf: string): Promise<{ earnings: number; paid: number }> {
    return this.prisma.$transaction(
      async (tx) => {
        await this.lock(tx);
        await tx.$executeRawUnsafe(`CREATE TEMP TABLE "kv_new_earnings" ("investmentId" uuid, "accrualDate" date, "amount" numeric) ON COMMIT DROP`);
        const earnings = await tx.$executeRaw`
          WITH due AS (
            SELECT i."id" AS "investmentId", (i."startedAt"::date + k) AS "accrualDate",
                   CASE WHEN k = i."durationDays" THEN i."totalEarnings" - i."dailyEarning" * (i."durationDays" - 1) ELSE i."dailyEarning" END AS "amount"
              FROM "Investment" i
              CROSS JOIN LATERAL generate_series(
                COALESCE((SELECT max(e."accrualDate") FROM "Earning" e WHERE e."investmentId" = i."id") - i."startedAt"::date, 0) + 1,
                LEAST(i."durationDays", ${asOf}::date - i."startedAt"::date)) AS k
             WHERE i."id" = ANY(${ids}::uuid[]) AND i."status" = 'ACTIVE'),
          inserted AS (
            INSERT INTO "Earning" ("id", "investmentId", "accrualDate", "amount")
            SELECT gen_random_uuid(), "investmentId", "accrualDate", "amount" FROM due
            ON CONFLICT ("investmentId", "accrualDate") DO NOTHING
            RETURNING "investmentId", "accrualDate", "amount")
          INSERT INTO "kv_new_earnings" SELECT * FROM inserted`;
        // A second statement: the ledger's triggers must see the Earning rows.
        const paid = await tx.$executeRaw`
          INSERT INTO "LedgerEntry" ("id", "accountId", "type", "amount", "idempotencyKey", "investmentId", "description")
          SELECT gen_random_uuid(), a."id", 'EARNING', n."amount",
                 'investment:' || n."investmentId" || ':earning:' || to_char(n."accrualDate", 'YYYY-MM-DD'), n."investmentId",
                 'Earning of ' || to_char(n."accrualDate", 'YYYY-MM-DD')
            FROM "kv_new_earnings" n
            JOIN "Investment" i ON i."id" = n."investmentId"
            JOIN "Account" a ON a."userId" = i."userId" AND a."asset" = i."asset"
           WHERE n."amount" > 0
           ORDER BY a."id", n."accrualDate"`;
        return { earnings, paid };
      },
      { timeout: 600_000 },
    );
  }

  /**
   * Investments whose every day has accrued by `asOf` → COMPLETED, with the PRINCIPAL_RETURN
   * entry and a notification, up to `limit` per call. Returns how many completed.
   */
  complete(asOf: string, limit: number): Promise<number> {
    return this.prisma.$transaction(
      async (tx) => {
        await this.lock(tx);
        await tx.$executeRawUnsafe(`CREATE TEMP TABLE "kv_completed" ("id" uuid, "userId" uuid, "asset" "AssetCode", "principal" numeric) ON COMMIT DROP`);
        const completed = await tx.$executeRaw`
          WITH done AS (
            UPDATE "Investment" i SET "status" = 'COMPLETED', "completedAt" = now()
             WHERE i."id" IN (
               SELECT c."id" FROM "Investment" c
                WHERE c."status" = 'ACTIVE' AND c."maturesAt" < ${asOf}::date + 1
                  AND (SELECT count(*) FROM "Earning" e WHERE e."investmentId" = c."id") = c."durationDays"
                LIMIT ${limit})
            RETURNING i."id", i."userId", i."asset", i."principal")
          INSERT INTO "kv_completed" SELECT * FROM done`;
        await tx.$executeRaw`
          INSERT INTO "LedgerEntry" ("id", "accountId", "type", "amount", "idempotencyKey", "investmentId", "description")
          SELECT gen_random_uuid(), a."id", 'PRINCIPAL_RETURN', c."principal", 'investment:' || c."id" || ':principal', c."id", 'Principal returned at maturity'
            FROM "kv_completed" c JOIN "Account" a ON a."userId" = c."userId" AND a."asset" = c."asset"
           ORDER BY a."id"`;
        await tx.$executeRaw`
          INSERT INTO "Notification" ("id", "userId", "title", "body")
          SELECT gen_random_uuid(), c."userId", 'Investment matured', 'Your investment of ' || trim_scale(c."principal")::text || ' ' || c."asset" || ' matured: the principal is back in your balance.'
            FROM "kv_completed" c`;
        return completed;
      },
      { timeout: 600_000 },
    );
  }

  private async lock(tx: Prisma.TransactionClient) {
    // A batch that catches up months writes many rows: it gets its own limit, not the API's.
    await tx.$executeRawUnsafe(`SET LOCAL statement_timeout = '${BATCH_STATEMENT_TIMEOUT}'`);
    await lockEarnings(tx);
  }
}
