import { Injectable } from '@nestjs/common';
import { JobPasses, type PassCounts } from '../jobs/job-passes';
import { EarningsRepository } from './earnings.repository';

export interface EarningsSummary extends PassCounts {
  investments: number;
  earnings: number;
  paid: number;
  completed: number;
}

/** Investments per transaction: large enough to be set-based, small enough to commit often (a catch-up writes days × this). */
const BATCH = 2000;

/**
 * The daily earnings pass (SPEC §4): accrues every scheduled day up to today (catching up
 * after downtime), then completes matured investments. `asOf` (YYYY-MM-DD, UTC) replaces
 * the database's date in tests and for replays.
 */
@Injectable()
export class EarningsService {
  constructor(
    private readonly repo: EarningsRepository,
    private readonly passes: JobPasses,
  ) {}

  runPass(options: { asOf?: string } = {}): Promise<EarningsSummary> {
    return this.passes.run('earnings', { investments: 0, earnings: 0, paid: 0, completed: 0 }, async (counts) => {
      if (options.asOf !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(options.asOf)) throw new Error(`as-of must be a date like 2027-01-31, not "${options.asOf}"`);
      const asOf = options.asOf ?? (await this.repo.today());
      for (let after: string | null = null; ; ) {
        const ids = await this.repo.activeIds(after, BATCH);
        if (ids.length === 0) break;
        const { earnings, paid } = await this.repo.accrue(ids, asOf);
        counts.investments += ids.length;
        counts.earnings += earnings;
        counts.paid += paid;
        after = ids[ids.length - 1]!;
      }
      for (let n = BATCH; n === BATCH; counts.completed += n) n = await this.repo.complete(asOf, BATCH);
    });
  }
}
