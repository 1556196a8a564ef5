import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { DepositStatus, type AssetCode } from '@prisma/client';
import { canonicalTxHash } from '../assets/asset-registry';
import { Decimal, formatAmount, parseAmount } from '../assets/amounts';
import { AssetsService } from '../assets/assets.service';
import { AdminAuditRepository } from '../audit/admin-audit.repository';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { sqlStateOf, UNIQUE_VIOLATION } from '../database/db-errors';
import { AppError, invalidField } from '../errors/error-body';
import { decodeTimeCursor, nextTimeCursor } from '../http/page-query';
import { NotificationsService } from '../notifications/notifications.service';
import { DepositsRepository } from './deposits.repository';
import { toAdminDepositDto, toDepositDto, type AdminDepositDto, type AdminDepositListDto, type DepositDto, type DepositListDto } from './deposits.dto';

/** Open intents one user may have at once (each one is a row the monitor may have to expire). */
export const MAX_OPEN_DEPOSITS = 20;

const notFound = () => new AppError(HttpStatus.NOT_FOUND, 'DEPOSIT_NOT_FOUND', 'Deposit not found');

/** Deposits as users and admins see them: intents, hash submission, review. Crediting is the monitor's. */
@Injectable()
export class DepositsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repo: DepositsRepository,
    private readonly assets: AssetsService,
    private readonly notifications: NotificationsService,
    private readonly audit: AdminAuditRepository,
  ) {}

  async open(userId: string, input: { asset: AssetCode; amount: string }): Promise<DepositDto> {
    const settings = this.assets.enabled(input.asset);
    const amount = parseAmount(input.asset, input.amount);
    if (amount.lt(settings.minDeposit)) {
      throw invalidField('amount', `amount must be at least ${settings.minDeposit} ${input.asset}`);
    }
    if ((await this.repo.countOpen(userId)) >= MAX_OPEN_DEPOSITS) {
      throw new AppError(HttpStatus.CONFLICT, 'TOO_MANY_OPEN_DEPOSITS', `At most ${MAX_OPEN_DEPOSITS} deposits can wait for a transaction hash at once`);
    }
    const deposit = await this.repo.create({
      userId,
      asset: input.asset,
      expectedAmount: amount,
      address: settings.depositAddress!,
      requiredConfirmations: settings.confirmations,
      expiresAt: new Date(Date.now() + this.config.DEPOSIT_INTENT_TTL_SECONDS * 1000),
    });
    return toDepositDto(deposit);
  }

  async submitTx(userId: string, id: string, rawHash: string): Promise<DepositDto> {
    const deposit = await this.repo.findOwned(id, userId);
    if (!deposit) throw notFound();
    const txHash = canonicalTxHash(deposit.asset, rawHash);
    if (!txHash) {
      throw invalidField('txHash', `txHash must be a ${this.assets.get(deposit.asset).network} transaction hash`);
    }
    let submitted: boolean;
    try {
      submitted = await this.repo.submitTx(id, userId, txHash);
    } catch (error) {
      if (sqlStateOf(error) === UNIQUE_VIOLATION) {
        throw new AppError(HttpStatus.CONFLICT, 'TX_ALREADY_USED', `This ${deposit.asset} transaction is already used by a deposit`);
      }
      throw error;
    }
    const current = (await this.repo.findOwned(id, userId))!;
    // The same hash sent again (a retry, a double click) answers like the first time.
    if (!submitted && current.txHash !== txHash) {
      const expired = current.status === DepositStatus.EXPIRED || (current.status === DepositStatus.OPEN && current.expiresAt <= new Date());
      throw expired
        ? new AppError(HttpStatus.CONFLICT, 'DEPOSIT_EXPIRED', 'This deposit intent has expired; open a new one')
        : new AppError(HttpStatus.CONFLICT, 'DEPOSIT_NOT_OPEN', `This deposit is ${current.status} and takes no (other) transaction hash`);
    }
    return toDepositDto(current);
  }

  async get(userId: string, id: string): Promise<DepositDto> {
    const deposit = await this.repo.findOwned(id, userId);
    if (!deposit) throw notFound();
    return toDepositDto(deposit);
  }

  async list(userId: string, query: { status?: DepositStatus; limit?: number; cursor?: string }): Promise<DepositListDto> {
    const limit = query.limit ?? 50;
    const rows = await this.repo.list({ userId, status: query.status }, { limit: limit + 1, before: decodeTimeCursor(query.cursor) });
    return { items: rows.slice(0, limit).map(toDepositDto), nextCursor: nextTimeCursor(rows, limit) };
  }

  async adminList(query: { status?: DepositStatus; limit?: number; cursor?: string }): Promise<AdminDepositListDto> {
    const limit = query.limit ?? 50;
    const rows = await this.repo.list({ status: query.status }, { limit: limit + 1, before: decodeTimeCursor(query.cursor) });
    return { items: rows.slice(0, limit).map(toAdminDepositDto), nextCursor: nextTimeCursor(rows, limit) };
  }

  /** An admin rejects a deposit that is not final yet; audited, and the user is notified. */
  async adminReject(adminId: string, id: string, reason: string): Promise<AdminDepositDto> {
    const rejected = await this.repo.transaction(async (tx) => {
      const d = await this.repo.rejectByAdmin(id, reason, adminId, tx);
      if (!d) return null;
      await this.audit.record(tx, { adminId, action: 'deposit.reject', targetType: 'Deposit', targetId: id, metadata: { reason } });
      await this.notifications.notify(d.userId, 'Deposit rejected', `Your ${d.asset} deposit of ${formatAmount(d.asset, new Decimal(d.expectedAmount))} was rejected: ${reason}`, tx);
      return d;
    });
    if (rejected) return toAdminDepositDto(rejected);
    const existing = await this.repo.findById(id);
    if (!existing) throw notFound();
    throw new AppError(HttpStatus.CONFLICT, 'DEPOSIT_FINAL', `This deposit is already ${existing.status}`);
  }
}
