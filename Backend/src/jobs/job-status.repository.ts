import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';

export interface JobStatusRow {
  job: string;
  runs: bigint;
  failures: bigint;
  lastSuccessAt: Date | null;
  /** Each count of every pass, added up. */
  totals: Record<string, number>;
}

/** The JobStatus table: one row per background job, updated at the end of every pass. */
@Injectable()
export class JobStatusRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * One pass's outcome. `counts` are added to the job's totals in the same statement (the
   * row lock of ON CONFLICT DO UPDATE serializes concurrent passes, so no count is lost).
   */
  async recordRun(job: string, outcome: { ok: boolean; startedAt: Date; durationMs: number; counts: Record<string, number>; error?: string }): Promise<void> {
    const now = new Date();
    const summary = JSON.stringify(outcome.error === undefined ? outcome.counts : { ...outcome.counts, error: outcome.error });
    await this.prisma.$executeRaw`
      INSERT INTO "JobStatus" ("job", "runs", "failures", "lastStartedAt", "lastSuccessAt", "lastFailureAt", "lastDurationMs", "lastSummary", "totals")
      VALUES (${job}, 1, ${outcome.ok ? 0 : 1}, ${outcome.startedAt}, ${outcome.ok ? now : null}, ${outcome.ok ? null : now},
              ${outcome.durationMs}, ${summary}::jsonb, ${JSON.stringify(outcome.counts)}::jsonb)
      ON CONFLICT ("job") DO UPDATE SET
        "runs" = "JobStatus"."runs" + 1,
        "failures" = "JobStatus"."failures" + EXCLUDED."failures",
        "lastStartedAt" = EXCLUDED."lastStartedAt",
        "lastSuccessAt" = COALESCE(EXCLUDED."lastSuccessAt", "JobStatus"."lastSuccessAt"),
        "lastFailureAt" = COALESCE(EXCLUDED."lastFailureAt", "JobStatus"."lastFailureAt"),
        "lastDurationMs" = EXCLUDED."lastDurationMs",
        "lastSummary" = EXCLUDED."lastSummary",
        "totals" = (
          SELECT COALESCE(jsonb_object_agg(k, COALESCE(("JobStatus"."totals" ->> k)::numeric, 0) + COALESCE((EXCLUDED."totals" ->> k)::numeric, 0)), '{}'::jsonb)
            FROM (SELECT jsonb_object_keys("JobStatus"."totals") UNION SELECT jsonb_object_keys(EXCLUDED."totals")) AS keys(k))`;
  }

  async all(): Promise<JobStatusRow[]> {
    const rows = await this.prisma.jobStatus.findMany({ select: { job: true, runs: true, failures: true, lastSuccessAt: true, totals: true } });
    return rows.map((r) => ({ ...r, totals: r.totals as Record<string, number> }));
  }
}
