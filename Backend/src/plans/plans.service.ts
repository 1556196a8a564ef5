import { HttpStatus, Injectable } from '@nestjs/common';
import type { Plan } from '@prisma/client';
import { formatAmount, parseAmount, type Decimal } from '../assets/amounts';
import { AssetsService } from '../assets/assets.service';
import { AdminAuditRepository } from '../audit/admin-audit.repository';
import { sqlStateOf, UNIQUE_VIOLATION } from '../database/db-errors';
import { AppError, invalidField } from '../errors/error-body';
import { accrualDate, earningsSchedule } from '../investments/earnings-schedule';
import { PlansRepository } from './plans.repository';
import { toPlanDto, type CreatePlanDto, type PlanDto, type QuoteDto, type UpdatePlanDto } from './plans.dto';

const notFound = () => new AppError(HttpStatus.NOT_FOUND, 'PLAN_NOT_FOUND', 'Plan not found');

/** Plans: public catalogue and quotes, admin management (terms are copied into investments). */
@Injectable()
export class PlansService {
  constructor(
    private readonly repo: PlansRepository,
    private readonly assets: AssetsService,
    private readonly audit: AdminAuditRepository,
  ) {}

  async listActive(): Promise<PlanDto[]> {
    return (await this.repo.listActive()).map(toPlanDto);
  }

  async getActive(id: string): Promise<Plan> {
    const plan = await this.repo.find(id);
    if (!plan || !plan.active) throw notFound();
    return plan;
  }

  /** An amount a user may invest in `plan`: the asset's precision and the plan's bounds. */
  checkAmount(plan: Plan, value: string, field = 'amount'): Decimal {
    const amount = parseAmount(plan.asset, value, field);
    if (amount.lt(plan.minAmount)) throw invalidField(field, `${field} must be at least ${formatAmount(plan.asset, plan.minAmount)} ${plan.asset}`);
    if (plan.maxAmount !== null && amount.gt(plan.maxAmount)) throw invalidField(field, `${field} must be at most ${formatAmount(plan.asset, plan.maxAmount)} ${plan.asset}`);
    return amount;
  }

  async quote(id: string, value: string): Promise<QuoteDto> {
    const plan = await this.getActive(id);
    const amount = this.checkAmount(plan, value);
    const s = earningsSchedule(plan.asset, amount, plan.returnPercentPer30Days, plan.durationDays);
    const f = (d: Decimal) => formatAmount(plan.asset, d);
    return {
      planId: plan.id,
      asset: plan.asset,
      amount: f(amount),
      dailyEarning: f(s.dailyEarning),
      lastDayEarning: f(s.lastDayEarning),
      totalReturn: f(s.totalEarnings),
      totalPayout: f(amount.add(s.totalEarnings)),
      durationDays: plan.durationDays,
      maturityDate: accrualDate(new Date(), plan.durationDays).toISOString().slice(0, 10),
    };
  }

  async adminList(): Promise<PlanDto[]> {
    return (await this.repo.listAll()).map(toPlanDto);
  }

  async create(adminId: string, input: CreatePlanDto): Promise<PlanDto> {
    const data = this.checkedTerms(input);
    const plan = await this.uniqueName(() =>
      this.repo.prismaTransaction(async (tx) => {
        const created = await this.repo.create({ ...data, name: input.name.trim(), durationDays: input.durationDays, active: input.active ?? true }, tx);
        await this.audit.record(tx, { adminId, action: 'plan.create', targetType: 'Plan', targetId: created.id, metadata: { ...input } });
        return created;
      }),
    );
    return toPlanDto(plan);
  }

  async update(adminId: string, id: string, input: UpdatePlanDto): Promise<PlanDto> {
    const existing = await this.repo.find(id);
    if (!existing) throw notFound();
    const merged = {
      asset: input.asset ?? existing.asset,
      minAmount: input.minAmount ?? existing.minAmount.toString(),
      maxAmount: input.maxAmount === undefined ? existing.maxAmount?.toString() ?? null : input.maxAmount,
      returnPercentPer30Days: input.returnPercentPer30Days ?? existing.returnPercentPer30Days.toString(),
    };
    const data = this.checkedTerms(merged);
    const plan = await this.uniqueName(() =>
      this.repo.prismaTransaction(async (tx) => {
        const updated = await this.repo.update(
          id,
          { ...data, ...(input.name !== undefined ? { name: input.name.trim() } : {}), ...(input.durationDays !== undefined ? { durationDays: input.durationDays } : {}), ...(input.active !== undefined ? { active: input.active } : {}) },
          tx,
        );
        await this.audit.record(tx, { adminId, action: 'plan.update', targetType: 'Plan', targetId: id, metadata: { ...input } });
        return updated;
      }),
    );
    return toPlanDto(plan);
  }

  /** min ≤ max, amounts in the asset's precision, rate > 0, asset enabled. */
  private checkedTerms(t: { asset: Plan['asset']; minAmount: string; maxAmount?: string | null; returnPercentPer30Days: string }) {
    this.assets.enabled(t.asset);
    const minAmount = parseAmount(t.asset, t.minAmount, 'minAmount');
    const maxAmount = t.maxAmount === null || t.maxAmount === undefined ? null : parseAmount(t.asset, t.maxAmount, 'maxAmount');
    if (maxAmount && maxAmount.lt(minAmount)) throw invalidField('maxAmount', 'maxAmount must be at least minAmount');
    if (Number(t.returnPercentPer30Days) <= 0 || Number(t.returnPercentPer30Days) > 1000) {
      throw invalidField('returnPercentPer30Days', 'returnPercentPer30Days must be greater than 0 and at most 1000');
    }
    return { asset: t.asset, minAmount, maxAmount, returnPercentPer30Days: t.returnPercentPer30Days };
  }

  private async uniqueName(write: () => Promise<Plan>): Promise<Plan> {
    try {
      return await write();
    } catch (error) {
      if (sqlStateOf(error) === UNIQUE_VIOLATION) throw new AppError(HttpStatus.CONFLICT, 'PLAN_NAME_TAKEN', 'A plan with this name exists');
      throw error;
    }
  }
}
