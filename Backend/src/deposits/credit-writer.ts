import { isDatabaseUnavailable } from '../database/db-errors';
import type { CreditVerdict } from './deposits.repository';

/**
 * Group commit for CONFIRMED verdicts. A verifier slot hands its verdict over and goes on to
 * its next check instead of waiting for a transaction of its own; one write at a time applies
 * everything handed over since the last one, up to `maxBatch` verdicts per transaction
 * (docs/performance.md, "Deposit monitor"). A verdict not yet written when the process dies
 * is not lost: its deposit stays claimed until the lease ends and is checked again.
 */
export class CreditWriter {
  private readonly queue: CreditVerdict[] = [];
  private writing: Promise<void> | undefined;
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly write: (verdicts: CreditVerdict[]) => Promise<void>,
    private readonly maxBatch: number,
  ) {}

  /** Queues `verdict`; waits only while a full batch is already queued (backpressure). */
  async add(verdict: CreditVerdict): Promise<void> {
    if (this.failure) throw this.failure.error;
    this.queue.push(verdict);
    this.writing ??= this.drain();
    if (this.queue.length >= this.maxBatch) await this.writing;
  }

  /** Resolves once everything queued is written; rejects with the first write's failure. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.failure) throw this.failure.error;
  }

  /**
   * A batch the database refuses is written again one verdict per transaction, so one refused
   * verdict holds back no other; the first failure is kept. Not when the database is
   * unreachable: every write would fail the same way.
   */
  private async writeBatch(batch: CreditVerdict[]): Promise<void> {
    try {
      await this.write(batch);
    } catch (error) {
      if (batch.length === 1 || isDatabaseUnavailable(error)) throw error;
      let first: { error: unknown } | undefined;
      for (const verdict of batch) await this.write([verdict]).catch((e: unknown) => (first ??= { error: e }));
      if (first) throw first.error;
    }
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.writeBatch(this.queue.splice(0, this.maxBatch));
    } catch (error) {
      // What is still queued stays claimed and is checked again after its lease.
      this.failure = { error };
      this.queue.length = 0;
    } finally {
      this.writing = undefined;
    }
  }
}
