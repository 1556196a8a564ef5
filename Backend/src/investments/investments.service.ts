import { HttpStatus, Injectable } from '@nestjs/common';
import { InvestmentStatus } from '@prisma/client';
import { formatAmount } from '../assets/amounts';
import { AppError } from '../errors/error-body';
import { decodeTimeCursor, nextTimeCursor } from '../http/page-query';
import { PlansService } from '../plans/plans.service';
import { accrualDate, earningsSchedule } from './earnings-schedule';
import { InvestmentsRepository, type InvestmentRow } from './investments.repository';
import type { InvestmentDto, InvestmentListDto } from './investments.dto';

function toDto(r: InvestmentRow): InvestmentDto {
  const f = (d: InvestmentRow['principal']) => formatAmount(r.asset, d);
  return {
    id: r.id,
    planId: r.planId,
    planName: r.planName,
    asset: r.asset,
    principal: f(r.principal),
    returnPercentPer30Days: r.returnPercentPer30Days.toFixed(4),
    durationDays: r.durationDays,
    dailyEarning: f(r.dailyEarning),
    totalEarnings: f(r.totalEarnings),
    accruedEarnings: f(r.accruedEarnings),
    accruedDays: r.accruedDays,
    nextAccrualDate: r.status === InvestmentStatus.ACTIVE ? accrualDate(r.startedAt, Math.min(r.accruedDays + 1, r.durationDays)).toISOString().slice(0, 10) : null,
    status: r.status,
    startedAt: r.startedAt.toISOString(),
    maturesAt: r.maturesAt.toISOString(),
    completedAt: r.completedAt?.toISOString() ?? null,
  };
}

/** Investing: the plan's terms are copied, the principal is debited in the same transaction. */
@Injectable()
export class InvestmentsService {
  constructor(
    private readonly repo: InvestmentsRepository,
    private readonly plans: PlansService,
  ) {}

  async invest(userId: string, input: { planId: string; amount: string }): Promise<InvestmentDto> {
    const plan = await this.plans.getActive(input.planId);
    const principal = this.plans.checkAmount(plan, input.amount);
    const schedule = earningsSchedule(plan.asset, principal, plan.returnPercentPer30Days, plan.durationDays);
    const startedAt = new Date();
    const id = await this.repo.transaction((tx) =>
      this.repo.createWithDebit(
        {
          userId,
          planId: plan.id,
          asset: plan.asset,
          principal,
          returnPercentPer30Days: plan.returnPercentPer30Days,
          durationDays: plan.durationDays,
          dailyEarning: schedule.dailyEarning,
          totalEarnings: schedule.totalEarnings,
          startedAt,
          maturesAt: accrualDate(startedAt, plan.durationDays),
        },
        tx,
      ),
    );
    if (!id) throw new AppError(HttpStatus.CONFLICT, 'INSUFFICIENT_FUNDS', `The ${plan.asset} balance does not cover ${formatAmount(plan.asset, principal)}`);
    return toDto((await this.repo.findOwned(id, userId))!);
  }

  async get(userId: string, id: string): Promise<InvestmentDto> {
    const row = await this.repo.findOwned(id, userId);
    if (!row) throw new AppError(HttpStatus.NOT_FOUND, 'INVESTMENT_NOT_FOUND', 'Investment not found');
    return toDto(row);
  }

  async list(userId: string, query: { limit?: number; cursor?: string }): Promise<InvestmentListDto> {
    const limit = query.limit ?? 50;
    const rows = await this.repo.list(userId, { limit: limit + 1, before: decodeTimeCursor(query.cursor) });
    return { items: rows.slice(0, limit).map(toDto), nextCursor: nextTimeCursor(rows, limit) };
  }
}
