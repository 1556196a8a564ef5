import { Injectable } from '@nestjs/common';
import { LedgerEntryType, Prisma, WithdrawalStatus, type AssetCode, type KycStatus, type Withdrawal } from '@prisma/client';
import { LedgerRepository } from '../accounts/ledger.repository';
import { Decimal } from '../assets/amounts';
import { PrismaService } from '../database/prisma.service';
import { afterTimeCursor, type TimeCursor } from '../http/page-query';

type Page = { limit: number; before?: TimeCursor };

/**
 * Every query on withdrawals. A withdrawal and its hold are written together; each
 * decision is guarded by PENDING (so exactly one of cancel/approve/reject wins) and the
 * database checks that status and ledger entries agree at commit (money migration).
 */
@Injectable()
export class WithdrawalsRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly ledger: LedgerRepository,
  ) {}

  transaction<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return this.ledger.transaction(fn);
  }

  async kycStatus(userId: string): Promise<KycStatus | undefined> {
    return (await this.prisma.user.findUnique({ where: { id: userId }, select: { kycStatus: true } }))?.kycStatus;
  }

  /**
   * Locks the account, and when the balance covers `amount` creates the PENDING withdrawal
   * with its hold; returns null (nothing written) when it does not.
   */
  async createWithHold(input: { userId: string; asset: AssetCode; amount: Decimal; destinationAddress: string }, tx: Prisma.TransactionClient): Promise<Withdrawal | null> {
    const accountId = await this.ledger.lockIfCovered(input.userId, input.asset, input.amount, tx);
    if (!accountId) return null;
    const withdrawal = await tx.withdrawal.create({ data: input });
    await this.ledger.post(
      { accountId, type: LedgerEntryType.WITHDRAWAL_HOLD, amount: input.amount.neg(), idempotencyKey: `withdrawal:${withdrawal.id}:hold`, withdrawalId: withdrawal.id },
      tx,
    );
    return withdrawal;
  }

  /** PENDING → `status`; with a release of the hold for REJECTED and CANCELLED. Null when it was not PENDING (or not the owner's). */
  async decide(
    id: string,
    decision: { status: 'APPROVED'; payoutTxHash: string; reviewerId: string } | { status: 'REJECTED'; reason: string; reviewerId: string } | { status: 'CANCELLED'; ownerId: string },
    tx: Prisma.TransactionClient,
  ): Promise<Withdrawal | null> {
    const now = new Date();
    const data: Prisma.WithdrawalUncheckedUpdateManyInput =
      decision.status === 'APPROVED'
        ? { status: WithdrawalStatus.APPROVED, payoutTxHash: decision.payoutTxHash, reviewedById: decision.reviewerId, reviewedAt: now }
        : decision.status === 'REJECTED'
          ? { status: WithdrawalStatus.REJECTED, rejectionReason: decision.reason, reviewedById: decision.reviewerId, reviewedAt: now }
          : { status: WithdrawalStatus.CANCELLED, cancelledAt: now };
    const owner = decision.status === 'CANCELLED' ? { userId: decision.ownerId } : {};
    const { count } = await tx.withdrawal.updateMany({ where: { id, status: WithdrawalStatus.PENDING, ...owner }, data });
    if (count === 0) return null;
    const withdrawal = (await tx.withdrawal.findUnique({ where: { id } }))!;
    if (decision.status !== 'APPROVED') {
      const accountId = await this.ledger.ensureAccount(withdrawal.userId, withdrawal.asset, tx);
      await this.ledger.post(
        { accountId, type: LedgerEntryType.WITHDRAWAL_RELEASE, amount: new Decimal(withdrawal.amount), idempotencyKey: `withdrawal:${id}:release`, withdrawalId: id },
        tx,
      );
    }
    return withdrawal;
  }

  findOwned(id: string, userId: string): Promise<Withdrawal | null> {
    return this.prisma.withdrawal.findFirst({ where: { id, userId } });
  }

  findById(id: string): Promise<Withdrawal | null> {
    return this.prisma.withdrawal.findUnique({ where: { id } });
  }

  list(where: { userId?: string; status?: WithdrawalStatus }, page: Page): Promise<Withdrawal[]> {
    return this.prisma.withdrawal.findMany({ where: { ...where, ...afterTimeCursor(page.before) }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: page.limit });
  }
}
