import { HttpStatus, Injectable } from '@nestjs/common';
import { KycStatus, type AssetCode, type Withdrawal, type WithdrawalStatus } from '@prisma/client';
import { canonicalAddress, canonicalTxHash } from '../assets/asset-registry';
import { formatAmount, parseAmount } from '../assets/amounts';
import { AssetsService } from '../assets/assets.service';
import { AdminAuditRepository } from '../audit/admin-audit.repository';
import { sqlStateOf, UNIQUE_VIOLATION } from '../database/db-errors';
import { AppError, invalidField } from '../errors/error-body';
import { decodeTimeCursor, nextTimeCursor } from '../http/page-query';
import { NotificationsService } from '../notifications/notifications.service';
import { WithdrawalsRepository } from './withdrawals.repository';
import {
  toAdminWithdrawalDto,
  toWithdrawalDto,
  type AdminWithdrawalDto,
  type AdminWithdrawalListDto,
  type WithdrawalDto,
  type WithdrawalListDto,
} from './withdrawals.dto';

const notFound = () => new AppError(HttpStatus.NOT_FOUND, 'WITHDRAWAL_NOT_FOUND', 'Withdrawal not found');

/** Withdrawals: a request holds the amount; the owner cancels or an admin approves/rejects, exactly once. */
@Injectable()
export class WithdrawalsService {
  constructor(
    private readonly repo: WithdrawalsRepository,
    private readonly assets: AssetsService,
    private readonly notifications: NotificationsService,
    private readonly audit: AdminAuditRepository,
  ) {}

  async request(userId: string, input: { asset: AssetCode; amount: string; address: string }): Promise<WithdrawalDto> {
    // Any known asset, not only enabled ones: disabling an asset stops new deposits and
    // investments, never the way out of a balance users already hold.
    const settings = this.assets.get(input.asset);
    const amount = parseAmount(input.asset, input.amount);
    if (amount.lt(settings.minWithdrawal)) throw invalidField('amount', `amount must be at least ${settings.minWithdrawal} ${input.asset}`);
    const destinationAddress = canonicalAddress(input.asset, input.address);
    if (!destinationAddress) throw invalidField('address', `address must be a ${settings.network} address`);
    if (destinationAddress === settings.depositAddress) throw invalidField('address', 'address is the platform deposit address');
    if ((await this.repo.kycStatus(userId)) !== KycStatus.APPROVED) {
      throw new AppError(HttpStatus.FORBIDDEN, 'KYC_REQUIRED', 'Withdrawals need an approved identity verification (KYC)');
    }
    const withdrawal = await this.repo.transaction((tx) => this.repo.createWithHold({ userId, asset: input.asset, amount, destinationAddress }, tx));
    if (!withdrawal) throw new AppError(HttpStatus.CONFLICT, 'INSUFFICIENT_FUNDS', `The ${input.asset} balance does not cover ${formatAmount(input.asset, amount)}`);
    return toWithdrawalDto(withdrawal);
  }

  async cancel(userId: string, id: string): Promise<WithdrawalDto> {
    const cancelled = await this.repo.transaction((tx) => this.repo.decide(id, { status: 'CANCELLED', ownerId: userId }, tx));
    if (cancelled) return toWithdrawalDto(cancelled);
    const existing = await this.repo.findOwned(id, userId);
    if (!existing) throw notFound();
    throw this.notPending(existing);
  }

  async get(userId: string, id: string): Promise<WithdrawalDto> {
    const withdrawal = await this.repo.findOwned(id, userId);
    if (!withdrawal) throw notFound();
    return toWithdrawalDto(withdrawal);
  }

  async list(userId: string, query: { status?: WithdrawalStatus; limit?: number; cursor?: string }): Promise<WithdrawalListDto> {
    const limit = query.limit ?? 50;
    const rows = await this.repo.list({ userId, status: query.status }, { limit: limit + 1, before: decodeTimeCursor(query.cursor) });
    return { items: rows.slice(0, limit).map(toWithdrawalDto), nextCursor: nextTimeCursor(rows, limit) };
  }

  async adminList(query: { status?: WithdrawalStatus; limit?: number; cursor?: string }): Promise<AdminWithdrawalListDto> {
    const limit = query.limit ?? 50;
    const rows = await this.repo.list({ status: query.status }, { limit: limit + 1, before: decodeTimeCursor(query.cursor) });
    return { items: rows.slice(0, limit).map(toAdminWithdrawalDto), nextCursor: nextTimeCursor(rows, limit) };
  }

  async approve(adminId: string, id: string, rawPayoutHash: string): Promise<AdminWithdrawalDto> {
    const existing = await this.repo.findById(id);
    if (!existing) throw notFound();
    const payoutTxHash = canonicalTxHash(existing.asset, rawPayoutHash);
    if (!payoutTxHash) throw invalidField('payoutTxHash', `payoutTxHash must be a ${this.assets.get(existing.asset).network} transaction hash`);
    try {
      return await this.decide(adminId, existing, { status: 'APPROVED', payoutTxHash, reviewerId: adminId }, `Your withdrawal of ${formatAmount(existing.asset, existing.amount)} ${existing.asset} was sent (transaction ${payoutTxHash}).`);
    } catch (error) {
      if (sqlStateOf(error) === UNIQUE_VIOLATION) throw new AppError(HttpStatus.CONFLICT, 'PAYOUT_TX_ALREADY_USED', 'This payout transaction is already recorded for another withdrawal');
      throw error;
    }
  }

  async reject(adminId: string, id: string, reason: string): Promise<AdminWithdrawalDto> {
    const existing = await this.repo.findById(id);
    if (!existing) throw notFound();
    return this.decide(adminId, existing, { status: 'REJECTED', reason, reviewerId: adminId }, `Your withdrawal of ${formatAmount(existing.asset, existing.amount)} ${existing.asset} was rejected: ${reason}. The amount is back in your balance.`);
  }

  private async decide(
    adminId: string,
    existing: Withdrawal,
    decision: { status: 'APPROVED'; payoutTxHash: string; reviewerId: string } | { status: 'REJECTED'; reason: string; reviewerId: string },
    message: string,
  ): Promise<AdminWithdrawalDto> {
    const decided = await this.repo.transaction(async (tx) => {
      const w = await this.repo.decide(existing.id, decision, tx);
      if (!w) return null;
      const { reviewerId: _, ...details } = decision;
      await this.audit.record(tx, { adminId, action: `withdrawal.${decision.status.toLowerCase()}`, targetType: 'Withdrawal', targetId: w.id, metadata: details });
      await this.notifications.notify(w.userId, decision.status === 'APPROVED' ? 'Withdrawal sent' : 'Withdrawal rejected', message, tx);
      return w;
    });
    if (!decided) throw this.notPending((await this.repo.findById(existing.id))!);
    return toAdminWithdrawalDto(decided);
  }

  private notPending(w: Withdrawal): AppError {
    return new AppError(HttpStatus.CONFLICT, 'WITHDRAWAL_NOT_PENDING', `This withdrawal is already ${w.status}`);
  }
}
