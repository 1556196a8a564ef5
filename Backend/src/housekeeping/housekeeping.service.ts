import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { JobPasses, type PassCounts } from '../jobs/job-passes';
import { HousekeepingRepository } from './housekeeping.repository';

export interface HousekeepingSummary extends PassCounts {
  refreshTokens: number;
  oneTimeCodes: number;
  authEvents: number;
  emails: number;
  authRequests: number;
  streamTickets: number;
}

const BATCH = 5000;
/** Delivered emails and processed auth requests are operational records, not an audit trail. */
const OPERATIONAL_RETENTION_DAYS = 7;

/** Deletes expired refresh tokens and one-time codes, prunes old auth events, sent emails and processed auth requests and expired stream tickets (housekeeping CronJob). */
@Injectable()
export class HousekeepingService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repo: HousekeepingRepository,
    private readonly passes: JobPasses,
  ) {}

  runPass(): Promise<HousekeepingSummary> {
    return this.passes.run('housekeeping', { refreshTokens: 0, oneTimeCodes: 0, authEvents: 0, emails: 0, authRequests: 0, streamTickets: 0 }, async (counts) => {
      counts.refreshTokens = await drain(() => this.repo.deleteExpiredRefreshTokens(BATCH));
      counts.oneTimeCodes = await drain(() => this.repo.deleteExpiredOneTimeCodes(BATCH));
      counts.authEvents = await drain(() => this.repo.pruneAuthEvents(this.config.AUTH_EVENT_RETENTION_DAYS, BATCH));
      counts.emails = await drain(() => this.repo.pruneEmailOutbox(OPERATIONAL_RETENTION_DAYS, BATCH));
      counts.authRequests = await drain(() => this.repo.pruneAuthRequests(OPERATIONAL_RETENTION_DAYS, BATCH));
      counts.streamTickets = await drain(() => this.repo.deleteExpiredStreamTickets(BATCH));
    });
  }
}

/** Repeats a batched delete until a batch removes less than a full batch; the total removed. */
async function drain(deleteBatch: () => Promise<number>): Promise<number> {
  let total = 0;
  for (let n = BATCH; n === BATCH; total += n) n = await deleteBatch();
  return total;
}
