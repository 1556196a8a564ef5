import { Injectable } from '@nestjs/common';
import { AutomationSessionStatus, Prisma, type AutomationRun, type AutomationSession } from '@prisma/client';
import { PrismaService } from '../database/prisma.service';
import { afterTimeCursor, type TimeCursor } from '../http/page-query';
import type { SimulatedRun } from './simulation';

/** Every query on automation sessions and their runs. */
@Injectable()
export class AutomationRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(data: Prisma.AutomationSessionUncheckedCreateInput): Promise<AutomationSession> {
    return this.prisma.automationSession.create({ data });
  }

  findOwned(id: string, userId: string): Promise<AutomationSession | null> {
    return this.prisma.automationSession.findFirst({ where: { id, userId } });
  }

  list(userId: string, page: { limit: number; before?: TimeCursor }): Promise<AutomationSession[]> {
    return this.prisma.automationSession.findMany({
      where: { userId, ...afterTimeCursor(page.before, 'startedAt') },
      orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
      take: page.limit,
    });
  }

  latestRuns(sessionId: string, limit: number): Promise<AutomationRun[]> {
    return this.prisma.automationRun.findMany({ where: { sessionId }, orderBy: { index: 'desc' }, take: limit });
  }

  /** RUNNING → CANCELLED for its owner; false when it was not running (or not theirs). */
  async stop(id: string, userId: string): Promise<boolean> {
    const { count } = await this.prisma.automationSession.updateMany({
      where: { id, userId, status: AutomationSessionStatus.RUNNING },
      data: { status: AutomationSessionStatus.CANCELLED, completedAt: new Date() },
    });
    return count === 1;
  }

  /**
   * Advances one due RUNNING session by the runs `compute` returns for it, in one
   * transaction: the session row is locked (SKIP LOCKED: concurrent workers take other
   * sessions), runs are keyed by (session, index), and progress is the count of stored
   * runs. Returns false when no session is due.
   */
  advanceOne(compute: (session: AutomationSession) => SimulatedRun[]): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const due = await tx.$queryRaw<{ id: string }[]>`
        SELECT "id" FROM "AutomationSession" WHERE "status" = 'RUNNING' AND "nextRunAt" <= now()
         ORDER BY "nextRunAt" LIMIT 1 FOR UPDATE SKIP LOCKED`;
      if (!due[0]) return false;
      // Read through Prisma: a raw row would carry the enum array as text.
      const session = (await tx.automationSession.findUnique({ where: { id: due[0].id } }))!;
      const runs = compute(session);
      await tx.automationRun.createMany({
        data: runs.map((r) => ({ sessionId: session.id, index: r.index, currency: r.currency, won: r.won, pnl: r.pnl })),
        skipDuplicates: true,
      });
      await tx.$executeRaw`
        UPDATE "AutomationSession" s SET
               "completedRuns" = agg.n,
               "results" = jsonb_build_object('wins', agg.wins, 'losses', agg.n - agg.wins, 'netPnl', agg.net::text, 'bestPnl', agg.best::text, 'worstPnl', agg.worst::text),
               "status" = CASE WHEN agg.n >= s."totalRuns" THEN 'COMPLETED'::"AutomationSessionStatus" ELSE s."status" END,
               "completedAt" = CASE WHEN agg.n >= s."totalRuns" THEN now() ELSE s."completedAt" END,
               "nextRunAt" = now(), "updatedAt" = now()
          FROM (SELECT count(*)::int AS n, count(*) FILTER (WHERE "won")::int AS wins, COALESCE(SUM("pnl"), 0) AS net,
                       COALESCE(MAX("pnl"), 0) AS best, COALESCE(MIN("pnl"), 0) AS worst
                  FROM "AutomationRun" WHERE "sessionId" = ${session.id}::uuid) agg
         WHERE s."id" = ${session.id}::uuid`;
      return true;
    });
  }
}
