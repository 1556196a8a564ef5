import { Injectable } from '@nestjs/common';
import type { Prisma } from '@prisma/client';
import { PrismaService } from '../database/prisma.service';

export interface JobStatusRow {
  job: string;
  runs: bigint;
  failures: bigint;
  lastSuccessAt: Date | null;
}

/** The JobStatus table: one row per background job, updated at the end of every pass. */
@Injectable()
export class JobStatusRepository {
  constructor(private readonly prisma: PrismaService) {}

  async recordRun(job: string, outcome: { ok: boolean; startedAt: Date; durationMs: number; summary: Prisma.InputJsonValue }): Promise<void> {
    const now = new Date();
    await this.prisma.jobStatus.upsert({
      where: { job },
      create: {
        job,
        runs: 1,
        failures: outcome.ok ? 0 : 1,
        lastStartedAt: outcome.startedAt,
        lastSuccessAt: outcome.ok ? now : null,
        lastFailureAt: outcome.ok ? null : now,
        lastDurationMs: outcome.durationMs,
        lastSummary: outcome.summary,
      },
      update: {
        runs: { increment: 1 },
        ...(outcome.ok ? { lastSuccessAt: now } : { failures: { increment: 1 }, lastFailureAt: now }),
        lastStartedAt: outcome.startedAt,
        lastDurationMs: outcome.durationMs,
        lastSummary: outcome.summary,
      },
    });
  }

  all(): Promise<JobStatusRow[]> {
    return this.prisma.jobStatus.findMany({ select: { job: true, runs: true, failures: true, lastSuccessAt: true } });
  }
}
