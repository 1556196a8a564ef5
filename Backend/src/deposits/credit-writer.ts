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
  /** The database is unreachable: nothing more is written (every write would fail the same way). */
  private stopped: { error: unknown } | undefined;
  /** The first verdict the database refused; the others are still written. */
  private refused: { error: unknown } | undefined;

  constructor(
    private readonly write: (verdicts: CreditVerdict[]) => Promise<void>,
    private readonly maxBatch: number,
  ) {}

  /** Queues `verdict`; waits only while a full batch is already queued (backpressure). */
  async add(verdict: CreditVerdict): Promise<void> {
    if (this.stopped) throw this.stopped.error;
    this.queue.push(verdict);
    this.writing ??= this.drain();
    if (this.queue.length >= this.maxBatch) await this.writing;
  }

  /** Resolves once everything queued is written; rejects with the first failure. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    const failure = this.stopped ?? this.refused;
    if (failure) throw failure.error;
  }

  /**
   * A batch the database refuses is written again one verdict per transaction, so one refused
   * verdict holds back no other (in its batch or in any later one). Not when the database is
   * unreachable: that stops the writer.
   */
  private async writeBatch(batch: CreditVerdict[]): Promise<void> {
    const refuse = (error: unknown) => {
      if (isDatabaseUnavailable(error)) throw error;
      this.refused ??= { error };
    };
    try {
      await this.write(batch);
    } catch (error) {
      if (batch.length === 1 || isDatabaseUnavailable(error)) return refuse(error);
      for (const verdict of batch) await this.write([verdict]).catch(refuse);
    }
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.writeBatch(this.queue.splice(0, this.maxBatch));
    } catch (error) {
      // What is still queued stays claimed and is checked again after its lease.
      this.stopped = { error };
      this.queue.length = 0;
    } finally {
      this.writing = undefined;
    }
  }
}
