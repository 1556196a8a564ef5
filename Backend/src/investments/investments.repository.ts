import { Injectable } from '@nestjs/common';
import { LedgerEntryType, Prisma, type AssetCode, type InvestmentStatus } from '@prisma/client';
import { LedgerRepository } from '../accounts/ledger.repository';
import type { Decimal } from '../assets/amounts';
import { PrismaService } from '../database/prisma.service';
import { afterTimeCursor, type TimeCursor } from '../http/page-query';

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
