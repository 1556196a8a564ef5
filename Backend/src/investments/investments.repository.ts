import { Injectable } from '@nestjs/common';
import { LedgerEntryType, Prisma, type AssetCode, type InvestmentStatus } from '@prisma/client';
import { LedgerRepository } from '../accounts/ledger.repository';
import type { Decimal } from '../assets/amounts';
import { PrismaService } from '../database/prisma.service';
import { afterTimeCursor, type TimeCursor } from '../http/page-query';
import { lockEarnings } from './earnings.repository';

export interface InvestmentRow {
  id: string;
  planId: string;
  planName: string;
  asset: AssetCode;
  principal: Decimal;
  returnPercentPer30Days: Decimal;
  durationDays: number;
  dailyEarning: Decimal;
  totalEarnings: Decimal;
  accruedEarnings: Decimal;
  accruedDays: number;
  status: InvestmentStatus;
  startedAt: Date;
  maturesAt: Date;
  completedAt: Date | null;
  cancelledAt: Date | null;
  cancelledById: string | null;
  cancellationReason: string | null;
  userId: string;
  createdAt: Date;
}

const withAccrued = {
  plan: { select: { name: true } },
  _count: { select: { earnings: true } },
} as const;

/** Every query on investments of users (the earnings job has its own: earnings.repository.ts). */
@Injectable()
export class InvestmentsRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly ledger: LedgerRepository,
  ) {}

  transaction<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return this.ledger.transaction(fn);
  }

  /**
   * Locks the account, and when the balance covers the principal writes the investment and
   * its INVESTMENT_DEBIT entry; null (nothing written) when it does not.
   */
  async createWithDebit(
    data: Omit<Prisma.InvestmentUncheckedCreateInput, 'principal'> & { principal: Decimal; asset: AssetCode },
    tx: Prisma.TransactionClient,
  ): Promise<string | null> {
    const accountId = await this.ledger.lockIfCovered(data.userId, data.asset, data.principal, tx);
    if (!accountId) return null;
    const investment = await tx.investment.create({ data });
    await this.ledger.post(
      { accountId, type: LedgerEntryType.INVESTMENT_DEBIT, amount: data.principal.neg(), idempotencyKey: `investment:${investment.id}:debit`, investmentId: investment.id },
      tx,
    );
    return investment.id;
  }

  /**
   * ACTIVE → CANCELLED with the principal back (the maturity's ledger key, so it is returned
   * once whatever races), behind the earnings job's lock so no batch accrues it meanwhile.
   * Null when the investment is not ACTIVE (or does not exist): nothing written.
   */
  async cancel(id: string, adminId: string, reason: string, tx: Prisma.TransactionClient): Promise<{ userId: string; asset: AssetCode; principal: Decimal } | null> {
    await lockEarnings(tx);
    const rows = await tx.$queryRaw<{ userId: string; asset: AssetCode; principal: Decimal }[]>`
      UPDATE "Investment" SET "status" = 'CANCELLED', "cancelledAt" = now(), "cancelledById" = ${adminId}::uuid, "cancellationReason" = ${reason}
       WHERE "id" = ${id}::uuid AND "status" = 'ACTIVE'
      RETURNING "userId", "asset", "principal"`;
    const cancelled = rows[0];
    if (!cancelled) return null;
    const accountId = await this.ledger.ensureAccount(cancelled.userId, cancelled.asset, tx);
    await this.ledger.post(
      { accountId, type: LedgerEntryType.PRINCIPAL_RETURN, amount: cancelled.principal, idempotencyKey: `investment:${id}:principal`, investmentId: id, description: 'Principal returned: investment cancelled' },
      tx,
    );
    return cancelled;
  }

  async findById(id: string): Promise<InvestmentRow | null> {
    const rows = await this.query({ id }, { limit: 1 });
    return rows[0] ?? null;
  }

  /** Every user's investments (admin console), optionally by status and user. */
  listAll(filter: { status?: InvestmentStatus; userId?: string }, page: { limit: number; before?: TimeCursor }): Promise<InvestmentRow[]> {
    return this.query(filter, page);
  }

  async findOwned(id: string, userId: string): Promise<InvestmentRow | null> {
    const rows = await this.query({ id, userId }, { limit: 1 });
    return rows[0] ?? null;
  }

  list(userId: string, page: { limit: number; before?: TimeCursor }): Promise<InvestmentRow[]> {
    return this.query({ userId }, page);
  }

  private async query(where: Prisma.InvestmentWhereInput, page: { limit: number; before?: TimeCursor }): Promise<InvestmentRow[]> {
    const rows = await this.prisma.investment.findMany({
      where: { ...where, ...afterTimeCursor(page.before) },
      include: withAccrued,
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: page.limit,
    });
    if (rows.length === 0) return [];
    const sums = await this.prisma.earning.groupBy({ by: ['investmentId'], where: { investmentId: { in: rows.map((r) => r.id) } }, _sum: { amount: true } });
    const accrued = new Map(sums.map((s) => [s.investmentId, s._sum.amount]));
    return rows.map(({ plan, _count, ...r }) => ({
      ...r,
      planName: plan.name,
      accruedDays: _count.earnings,
      accruedEarnings: accrued.get(r.id) ?? new Prisma.Decimal(0),
    }));
  }
}
