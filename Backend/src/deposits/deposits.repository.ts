import { Injectable } from '@nestjs/common';
import { DepositStatus, LedgerEntryType, Prisma, type AssetCode, type Deposit } from '@prisma/client';
import { LedgerRepository } from '../accounts/ledger.repository';
import type { Decimal } from '../assets/amounts';
import { PrismaService, type SqlClient } from '../database/prisma.service';
import { afterTimeCursor, type TimeCursor } from '../http/page-query';


/** A deposit claimed by a monitor pass: what the verifier call needs. */
export interface ClaimedDeposit {
  id: string;
  userId: string;
  asset: AssetCode;
  txHash: string;
  address: string;
  expectedAmount: string;
  requiredConfirmations: number;
  consecutiveErrors: number;
}


/** A CONFIRMED answer to apply: what the chain shows for the deposit. */
export interface CreditVerdict {
  id: string;
  /** Decimal string, as the verifier client accepted it. */
  receivedAmount: string;
  confirmations: number;
  /** The check result recorded on the deposit, e.g. `CONFIRMED 12/12`. */
  result: string;
}

export interface CreditedDeposit {
  id: string;
  userId: string;
  asset: AssetCode;
  txHash: string;
  receivedAmount: string;
}

type Page = { limit: number; before?: TimeCursor };

/**
 * Every query on deposits. Each state change is guarded by the state it leaves (so two
 * writers can never both win) and the database refuses the transitions SPEC §2 does not
 * allow (money migration).
 */
@Injectable()
export class DepositsRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly ledger: LedgerRepository,
  ) {}

  transaction<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return this.ledger.transaction(fn);
  }

  /** Plain SQL in one transaction (the monitor's batched credits: creditMany). */
  sqlTransaction<T>(fn: (client: SqlClient) => Promise<T>): Promise<T> {
    return this.prisma.sqlTransaction(fn);
  }

  countOpen(userId: string): Promise<number> {
    return this.prisma.deposit.count({ where: { userId, status: DepositStatus.OPEN } });
  }

  create(data: { userId: string; asset: AssetCode; expectedAmount: Decimal; address: string; requiredConfirmations: number; expiresAt: Date }): Promise<Deposit> {
    return this.prisma.deposit.create({ data });
  }

  findOwned(id: string, userId: string): Promise<Deposit | null> {
    return this.prisma.deposit.findFirst({ where: { id, userId } });
  }

  findById(id: string): Promise<Deposit | null> {
    return this.prisma.deposit.findUnique({ where: { id } });
  }

  list(where: { userId?: string; status?: DepositStatus }, page: Page): Promise<Deposit[]> {
    return this.prisma.deposit.findMany({
      where: { ...where, ...afterTimeCursor(page.before) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: page.limit,
    });
  }

  /** OPEN and not expired → SUBMITTED with the (canonical) hash; false when the deposit was not in that state. */
  async submitTx(id: string, userId: string, txHash: string): Promise<boolean> {
    const { count } = await this.prisma.deposit.updateMany({
      where: { id, userId, status: DepositStatus.OPEN, expiresAt: { gt: new Date() } },
      data: { txHash, status: DepositStatus.SUBMITTED, submittedAt: new Date(), nextCheckAt: new Date() },
    });
    return count === 1;
  }

  /** Any not-final deposit → REJECTED by an admin; null when it was already final. */
  async rejectByAdmin(id: string, reason: string, adminId: string, tx: Prisma.TransactionClient): Promise<Deposit | null> {
    const rows = await tx.$queryRaw<Deposit[]>`
      UPDATE "Deposit" SET "status" = 'REJECTED', "rejectionReason" = ${reason}, "reviewedById" = ${adminId}::uuid,
             "reviewedAt" = now(), "nextCheckAt" = NULL, "updatedAt" = now()
       WHERE "id" = ${id}::uuid AND "status" IN ('OPEN', 'SUBMITTED', 'CONFIRMING')
   RETURNING *`;
    return rows[0] ?? null;
  }

  // ---- deposit monitor ---------------------------------------------------------------

  /** The database clock: every monitor decision is made on it, never on a pod's clock. */
  async now(): Promise<Date> {
    const rows = await this.prisma.$queryRaw<{ now: Date }[]>`SELECT now() AS "now"`;
    return rows[0]!.now;
  }

  /** OPEN intents past expiresAt → EXPIRED, set-based. */
  async expireOpen(limit: number): Promise<number> {
    return this.prisma.$executeRaw`
      UPDATE "Deposit" SET "status" = 'EXPIRED', "updatedAt" = now()
       WHERE "id" IN (SELECT "id" FROM "Deposit" WHERE "status" = 'OPEN' AND "expiresAt" <= now()
                       ORDER BY "expiresAt" LIMIT ${limit} FOR UPDATE SKIP LOCKED)`;
  }

  /**
   * Claims up to `limit` due deposits for `leaseSeconds`, in one statement: rows another
   * monitor holds are skipped, and a claimed row is not due again until its lease ends, so
   * a monitor killed mid-pass only delays its deposits.
   */
  claimDue(limit: number, leaseSeconds: number, dueBy: Date): Promise<ClaimedDeposit[]> {
    return this.prisma.$queryRaw<ClaimedDeposit[]>`
      WITH due AS (
        SELECT "id" FROM "Deposit"
         WHERE "status" IN ('SUBMITTED', 'CONFIRMING') AND "nextCheckAt" <= ${dueBy}::timestamp
         ORDER BY "nextCheckAt" LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      UPDATE "Deposit" d
         SET "nextCheckAt" = now() + make_interval(secs => ${leaseSeconds}::double precision), "checkAttempts" = d."checkAttempts" + 1
        FROM due WHERE d."id" = due."id"
    RETURNING d."id", d."userId", d."asset", d."txHash", d."address", d."expectedAmount"::text AS "expectedAmount",
              d."requiredConfirmations", d."consecutiveErrors"`;
  }

  /** The chain shows the transaction with too few confirmations. */
  async recordPending(id: string, confirmations: number, result: string, recheckSeconds: number): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE "Deposit" SET "status" = 'CONFIRMING', "confirmations" = ${confirmations}, "notFoundSince" = NULL, "consecutiveErrors" = 0,
             "lastCheckResult" = ${result}, "lastCheckedAt" = now(), "nextCheckAt" = now() + make_interval(secs => ${recheckSeconds}::double precision), "updatedAt" = now()
       WHERE "id" = ${id}::uuid AND "status" IN ('SUBMITTED', 'CONFIRMING')`;
  }

  /**
   * The chain does not show the transaction (never seen, or dropped after being seen): back
   * to SUBMITTED; REJECTED once it has been missing for `windowSeconds` since the first
   * NOT_FOUND. Returns the rejected deposit, if this call rejected it.
   */
  async recordNotFound(id: string, windowSeconds: number, recheckSeconds: number, reason: string, tx: Prisma.TransactionClient): Promise<Deposit | null> {
    const rows = await tx.$queryRaw<Deposit[]>`
      UPDATE "Deposit" SET
             "notFoundSince" = COALESCE("notFoundSince", now()),
             "status" = CASE WHEN COALESCE("notFoundSince", now()) <= now() - make_interval(secs => ${windowSeconds}::double precision)
                             THEN 'REJECTED'::"DepositStatus" ELSE 'SUBMITTED'::"DepositStatus" END,
             "rejectionReason" = CASE WHEN COALESCE("notFoundSince", now()) <= now() - make_interval(secs => ${windowSeconds}::double precision)
                                      THEN ${reason} ELSE NULL END,
             "confirmations" = 0, "consecutiveErrors" = 0, "lastCheckResult" = 'NOT_FOUND', "lastCheckedAt" = now(),
             "nextCheckAt" = now() + make_interval(secs => ${recheckSeconds}::double precision), "updatedAt" = now()
       WHERE "id" = ${id}::uuid AND "status" IN ('SUBMITTED', 'CONFIRMING')
   RETURNING *`;
    return rows[0]?.status === DepositStatus.REJECTED ? rows[0] : null;
  }

  /** → REJECTED (the chain contradicts the deposit); null when it was already final. */
  async rejectMismatch(id: string, reason: string, tx: Prisma.TransactionClient): Promise<Deposit | null> {
    const rows = await tx.$queryRaw<Deposit[]>`
      UPDATE "Deposit" SET "status" = 'REJECTED', "rejectionReason" = ${reason}, "lastCheckResult" = 'MISMATCH',
             "lastCheckedAt" = now(), "nextCheckAt" = NULL, "consecutiveErrors" = 0, "updatedAt" = now()
       WHERE "id" = ${id}::uuid AND "status" IN ('SUBMITTED', 'CONFIRMING')
   RETURNING *`;
    return rows[0] ?? null;
  }

  /** The verifier could not answer: the deposit keeps waiting, checked again after `backoffSeconds`. */
  async recordError(id: string, result: string, backoffSeconds: number): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE "Deposit" SET "consecutiveErrors" = "consecutiveErrors" + 1, "lastCheckResult" = ${result}, "lastCheckedAt" = now(),
             "nextCheckAt" = now() + make_interval(secs => ${backoffSeconds}::double precision), "updatedAt" = now()
       WHERE "id" = ${id}::uuid AND "status" IN ('SUBMITTED', 'CONFIRMING')`;
  }

  /**
   * CONFIRMED verdicts, many at once in the caller's SQL transaction: each deposit still
   * SUBMITTED or CONFIRMING moves to CREDITED with its received amount and gets its one
   * DEPOSIT entry. Returns the deposits this call credited; one another writer finished
   * first is left out. Deposits are locked in id order, so concurrent batches cannot deadlock.
   */
  async creditMany(verdicts: CreditVerdict[], client: SqlClient): Promise<CreditedDeposit[]> {
    if (verdicts.length === 0) return [];
    const { rows } = await client.query<CreditedDeposit>(
      `WITH v AS (SELECT * FROM unnest($1::uuid[], $2::numeric[], $3::int[], $4::text[]) AS v("id", "receivedAmount", "confirmations", "result")),
            locked AS (SELECT d."id" FROM "Deposit" d
                        WHERE d."id" IN (SELECT "id" FROM v) AND d."status" IN ('SUBMITTED', 'CONFIRMING')
                        ORDER BY d."id" FOR UPDATE)
       UPDATE "Deposit" d SET "status" = 'CREDITED', "receivedAmount" = v."receivedAmount", "confirmations" = v."confirmations",
              "creditedAt" = now(), "lastCheckResult" = v."result", "lastCheckedAt" = now(), "nextCheckAt" = NULL,
              "notFoundSince" = NULL, "consecutiveErrors" = 0, "updatedAt" = now()
         FROM v, locked
        WHERE d."id" = locked."id" AND v."id" = d."id" AND d."status" IN ('SUBMITTED', 'CONFIRMING')
    RETURNING d."id", d."userId", d."asset", d."txHash", d."receivedAmount"::text AS "receivedAmount"`,
      [verdicts.map((v) => v.id), verdicts.map((v) => v.receivedAmount), verdicts.map((v) => v.confirmations), verdicts.map((v) => v.result)],
    );
    await this.ledger.postMany(
      rows.map((d) => ({
        userId: d.userId,
        asset: d.asset,
        type: LedgerEntryType.DEPOSIT,
        amount: d.receivedAmount,
        idempotencyKey: `deposit:${d.id}`,
        depositId: d.id,
        description: `Deposit ${d.txHash}`,
      })),
      client,
    );
    return rows;
  }
}

