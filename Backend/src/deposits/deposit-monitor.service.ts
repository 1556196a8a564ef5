import { Inject, Injectable } from '@nestjs/common';
import type { Deposit } from '@prisma/client';
import type { Logger } from 'pino';
import { formatAmount } from '../assets/amounts';
import { AssetsService } from '../assets/assets.service';
import { APP_CONFIG, APP_LOGGER } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { JobPasses, type PassCounts } from '../jobs/job-passes';
import { NotificationsService } from '../notifications/notifications.service';
import { DepositMonitorMetrics } from './deposit-monitor.metrics';
import { CreditWriter } from './credit-writer';
import { DepositsRepository, type ClaimedDeposit, type CreditVerdict } from './deposits.repository';
import { BlockchainVerifierClient, type VerificationOutcome } from './verifier/blockchain-verifier.client';

export interface PassSummary extends PassCounts {
  expired: number;
  checked: number;
  credited: number;
  pending: number;
  rejected: number;
  waiting: number;
  verifierErrors: number;
}

const JOB = 'deposit-monitor' as const;
/** Deposits expired per statement; a pass repeats until none are left. */
const EXPIRE_BATCH = 1000;
/**
 * A pass claims no new batch after this long, so a CronJob run ends well inside its
 * activeDeadlineSeconds (300 s by default) and records its success; what is left is due
 * for the next pass.
 */
const PASS_CLAIM_BUDGET_MS = 120_000;
/** CONFIRMED verdicts applied per transaction at most (CreditWriter). */
const CREDIT_BATCH_MAX = 100;

/**
 * One pass of the deposit monitor (SPEC §4): expire stale intents, then claim due deposits
 * in batches, ask the verifier with bounded concurrency and apply each verdict. Safe to run
 * concurrently and to kill at any instant: claims are leases, every write is guarded by
 * the state it leaves, and crediting is one transaction with the ledger entry.
 */
@Injectable()
export class DepositMonitorService {
  /** A claimed deposit is not due again until its verifier call had every chance to finish. */
  private readonly leaseSeconds: number;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    private readonly repo: DepositsRepository,
    private readonly verifier: BlockchainVerifierClient,
    private readonly assets: AssetsService,
    private readonly notifications: NotificationsService,
    private readonly passes: JobPasses,
    private readonly metrics: DepositMonitorMetrics,
  ) {
    const perCall = config.BLOCKCHAIN_VERIFIER_TIMEOUT_MS * (config.BLOCKCHAIN_VERIFIER_RETRIES + 1) + 5_000 * config.BLOCKCHAIN_VERIFIER_RETRIES;
    this.leaseSeconds = Math.ceil((perCall * 2) / 1000) + 30;
  }

  async runPass(): Promise<PassSummary> {
    const summary: PassSummary = { expired: 0, checked: 0, credited: 0, pending: 0, rejected: 0, waiting: 0, verifierErrors: 0 };
    try {
      await this.passes.run(JOB, summary, (counts) => this.pass(counts));
    } catch (error) {
      this.metrics.passes.inc({ outcome: 'failure' });
      throw error;
    }
    this.metrics.passes.inc({ outcome: 'success' });
    this.metrics.lastSuccess.setToCurrentTime();
    return summary;
  }

  private async pass(summary: PassSummary): Promise<void> {
    for (let n = EXPIRE_BATCH; n === EXPIRE_BATCH; ) {
      n = await this.repo.expireOpen(EXPIRE_BATCH);
      summary.expired += n;
    }
    this.metrics.deposits.inc({ result: 'expired' }, summary.expired);
    // Only deposits due when the pass started: rechecks scheduled during it wait for the next pass.
    const dueBy = await this.repo.now();
    const claimUntil = Date.now() + PASS_CLAIM_BUDGET_MS;
    const credits = new CreditWriter((verdicts) => this.credit(verdicts, summary), CREDIT_BATCH_MAX);
    try {
      while (Date.now() < claimUntil) {
        const batch = await this.repo.claimDue(this.config.DEPOSIT_MONITOR_BATCH_SIZE, this.leaseSeconds, dueBy);
        if (batch.length === 0) return;
        await forEachWithConcurrency(batch, this.config.DEPOSIT_MONITOR_CONCURRENCY, (deposit) => this.check(deposit, summary, credits));
      }
    } finally {
      await credits.flush();
    }
  }

  private async check(deposit: ClaimedDeposit, summary: PassSummary, credits: CreditWriter): Promise<void> {
    const settings = this.assets.get(deposit.asset);
    const { outcome, durationSeconds } = await this.verifier.verify({
      asset: deposit.asset,
      txHash: deposit.txHash,
      address: deposit.address,
      minConfirmations: deposit.requiredConfirmations,
      expectedAmount: deposit.expectedAmount,
      tolerancePercent: settings.tolerancePercent,
    });
    summary.checked++;
    this.metrics.deposits.inc({ result: 'checked' });
    this.metrics.verifierLatency.observe({ outcome: outcome.kind }, durationSeconds);
    await this.apply(deposit, outcome, summary, credits);
  }

  private async apply(deposit: ClaimedDeposit, outcome: VerificationOutcome, summary: PassSummary, credits: CreditWriter): Promise<void> {
    const c = this.config;
    switch (outcome.kind) {
      case 'confirmed':
        await credits.add({
          id: deposit.id,
          receivedAmount: outcome.receivedAmount,
          confirmations: outcome.confirmations,
          result: `CONFIRMED ${outcome.confirmations}/${deposit.requiredConfirmations}`,
        });
        return;
      case 'pending':
        await this.repo.recordPending(deposit.id, outcome.confirmations, `PENDING ${outcome.confirmations}/${deposit.requiredConfirmations}`, c.DEPOSIT_RECHECK_SECONDS);
        summary.pending++;
        return;
      case 'not_found': {
        const hours = Math.round((c.DEPOSIT_NOT_FOUND_WINDOW_SECONDS / 3600) * 10) / 10;
        const reason = `The transaction was not found on the chain within ${hours} hours`;
        const rejected = await this.repo.transaction(async (tx) => {
          const d = await this.repo.recordNotFound(deposit.id, c.DEPOSIT_NOT_FOUND_WINDOW_SECONDS, c.DEPOSIT_RECHECK_SECONDS, reason, tx);
          if (d) await this.notifyRejected(d, reason, tx);
          return d;
        });
        if (rejected) this.countRejected(summary, 'not_found');
        else summary.waiting++;
        return;
      }
      case 'mismatch': {
        const rejected = await this.repo.transaction(async (tx) => {
          const d = await this.repo.rejectMismatch(deposit.id, outcome.reason, tx);
          if (d) await this.notifyRejected(d, outcome.reason, tx);
          return d;
        });
        if (rejected) this.countRejected(summary, 'mismatch');
        return;
      }
      case 'error': {
        // Never a verdict: the deposit waits, checked again later with exponential backoff and jitter.
        const base = Math.min(c.DEPOSIT_RECHECK_SECONDS * 2 ** Math.min(deposit.consecutiveErrors, 16), c.DEPOSIT_RECHECK_MAX_SECONDS);
        const backoff = Math.max(1, Math.round(base / 2 + Math.random() * (base / 2)));
        await this.repo.recordError(deposit.id, `verifier ${outcome.error}`, backoff);
        summary.verifierErrors++;
        summary.waiting++;
        this.metrics.verifierErrors.inc({ kind: outcome.error });
        return;
      }
    }
  }

  /**
   * One transaction for a batch of CONFIRMED verdicts: each deposit still waiting is credited
   * with its DEPOSIT entry and its owner notified; one another writer finished is skipped.
   */
  private async credit(verdicts: CreditVerdict[], summary: PassSummary): Promise<void> {
    const credited = await this.repo.sqlTransaction(async (client) => {
      const deposits = await this.repo.creditMany(verdicts, client);
      await this.notifications.notifyMany(
        deposits.map((d) => ({
          userId: d.userId,
          title: 'Deposit credited',
          body: `Your deposit of ${formatAmount(d.asset, d.receivedAmount)} ${d.asset} was credited to your balance.`,
        })),
        client,
      );
      return deposits.length;
    });
    summary.credited += credited;
    this.metrics.deposits.inc({ result: 'credited' }, credited);
  }

  private countRejected(summary: PassSummary, reason: string) {
    summary.rejected++;
    this.metrics.deposits.inc({ result: 'rejected' });
    this.logger.info({ job: JOB, reason }, 'deposit rejected');
  }

  private notifyRejected(d: Deposit, reason: string, tx: Parameters<NotificationsService['notify']>[3]) {
    return this.notifications.notify(d.userId, 'Deposit rejected', `Your ${d.asset} deposit was rejected: ${reason}`, tx);
  }
}

/** Runs `fn` over `items` with at most `limit` in flight; rejects on the first failure after all started ones settle. */
export async function forEachWithConcurrency<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async () => {
    while (next < items.length && errors.length === 0) {
      const item = items[next++]!;
      await fn(item).catch((error) => errors.push(error));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (errors.length > 0) throw errors[0];
}
