import { HttpStatus, Injectable } from '@nestjs/common';
import { InvestmentStatus } from '@prisma/client';
import { formatAmount } from '../assets/amounts';
import { AppError } from '../errors/error-body';
import { decodeTimeCursor, nextTimeCursor } from '../http/page-query';
import { PlansService } from '../plans/plans.service';
import { accrualDate, earningsSchedule } from './earnings-schedule';
import { InvestmentsRepository, type InvestmentRow } from './investments.repository';
import type { AdminInvestmentDto, AdminInvestmentListDto, InvestmentDto, InvestmentListDto } from './investments.dto';
import { AdminAuditRepository } from '../audit/admin-audit.repository';
import { NotificationsService } from '../notifications/notifications.service';

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
    cancelledAt: r.cancelledAt?.toISOString() ?? null,
    cancellationReason: r.cancellationReason,
  };
}

function toAdminDto(r: InvestmentRow): AdminInvestmentDto {
  return { ...toDto(r), userId: r.userId, cancelledById: r.cancelledById };
}

const notFound = () => new AppError(HttpStatus.NOT_FOUND, 'INVESTMENT_NOT_FOUND', 'Investment not found');

/** Investing: the plan's terms are copied, the principal is debited in the same transaction. */
@Injectable()
export class InvestmentsService {
  constructor(
    private readonly repo: InvestmentsRepository,
    private readonly plans: PlansService,
    private readonly audit: AdminAuditRepository,
    private readonly notifications: NotificationsService,
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
    if (!row) throw notFound();
    return toDto(row);
  }

  async list(userId: string, query: { limit?: number; cursor?: string }): Promise<InvestmentListDto> {
    const limit = query.limit ?? 50;
    const rows = await this.repo.list(userId, { limit: limit + 1, before: decodeTimeCursor(query.cursor) });
    return { items: rows.slice(0, limit).map(toDto), nextCursor: nextTimeCursor(rows, limit) };
  }

  async adminList(query: { limit?: number; cursor?: string; status?: InvestmentStatus; userId?: string }): Promise<AdminInvestmentListDto> {
    const limit = query.limit ?? 50;
    const rows = await this.repo.listAll({ status: query.status, userId: query.userId }, { limit: limit + 1, before: decodeTimeCursor(query.cursor) });
    return { items: rows.slice(0, limit).map(toAdminDto), nextCursor: nextTimeCursor(rows, limit) };
  }

  async adminGet(id: string): Promise<AdminInvestmentDto> {
    const row = await this.repo.findById(id);
    if (!row) throw notFound();
    return toAdminDto(row);
  }

  /**
   * An admin stops an ACTIVE investment: the principal comes back now, earnings paid so far
   * stay, no further day accrues. Audited with the admin and the reason; the owner is notified.
   */
  async adminCancel(adminId: string, id: string, reason: string): Promise<AdminInvestmentDto> {
    const cancelled = await this.repo.transaction(async (tx) => {
      const c = await this.repo.cancel(id, adminId, reason, tx);
      if (!c) return false;
      await this.audit.record(tx, { adminId, action: 'investment.cancel', targetType: 'Investment', targetId: id, metadata: { reason } });
      await this.notifications.notify(
        c.userId,
        'Investment cancelled',
        `Your investment of ${formatAmount(c.asset, c.principal)} ${c.asset} was cancelled: ${reason}. The principal is back in your balance; earnings paid so far are yours.`,
        tx,
      );
      return true;
    });
    const row = await this.repo.findById(id);
    if (!row) throw notFound();
    if (!cancelled) throw new AppError(HttpStatus.CONFLICT, 'INVESTMENT_FINAL', `This investment is already ${row.status}`);
    return toAdminDto(row);
  }
}
