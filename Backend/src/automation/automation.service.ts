import crypto from 'node:crypto';
import { HttpStatus, Injectable } from '@nestjs/common';
import { AppError, invalidField } from '../errors/error-body';
import { decodeTimeCursor, nextTimeCursor } from '../http/page-query';
import { JobPasses, type PassCounts } from '../jobs/job-passes';
import { AutomationRepository } from './automation.repository';
import { toRunDto, toSessionDto, type SessionDetailDto, type SessionDto, type SessionListDto, type StartSessionDto } from './automation.dto';
import { simulateRun, type Strategy } from './simulation';

/** Runs a worker step computes per session before it commits (progress is saved after each step). */
export const RUNS_PER_STEP = 50;
/** A pass stops taking new steps after this long; --watch starts the next one. */
const PASS_BUDGET_MS = 60_000;

const notFound = () => new AppError(HttpStatus.NOT_FOUND, 'SESSION_NOT_FOUND', 'Automation session not found');

/** Paper-trading sessions: started by users, advanced by the automation worker. No money moves. */
@Injectable()
export class AutomationService {
  constructor(
    private readonly repo: AutomationRepository,
    private readonly passes: JobPasses,
  ) {}

  async start(userId: string, input: StartSessionDto): Promise<SessionDto> {
    const stake = Number(input.stakePerRun);
    if (!(stake > 0)) {
      throw invalidField('stakePerRun', 'stakePerRun must be greater than 0');
    }
    const session = await this.repo.create({
      userId,
      strategy: input.strategy,
      currencies: input.currencies,
      stakePerRun: input.stakePerRun,
      seed: crypto.randomInt(0, 2 ** 31 - 1),
      totalRuns: input.runs,
    });
    return toSessionDto(session);
  }

  async stop(userId: string, id: string): Promise<SessionDto> {
    if (!(await this.repo.stop(id, userId))) {
      const existing = await this.repo.findOwned(id, userId);
      if (!existing) throw notFound();
      throw new AppError(HttpStatus.CONFLICT, 'SESSION_NOT_RUNNING', `This session is already ${existing.status}`);
    }
    return toSessionDto((await this.repo.findOwned(id, userId))!);
  }

  async get(userId: string, id: string): Promise<SessionDetailDto> {
    const session = await this.repo.findOwned(id, userId);
    if (!session) throw notFound();
    return { ...toSessionDto(session), latestRuns: (await this.repo.latestRuns(id, 50)).map(toRunDto) };
  }

  async list(userId: string, query: { limit?: number; cursor?: string }): Promise<SessionListDto> {
    const limit = query.limit ?? 50;
    const rows = await this.repo.list(userId, { limit: limit + 1, before: decodeTimeCursor(query.cursor) });
    return { items: rows.slice(0, limit).map(toSessionDto), nextCursor: nextTimeCursor(rows.map((r) => ({ createdAt: r.startedAt, id: r.id })), limit) };
  }

  /** One worker pass: steps of RUNS_PER_STEP runs, one session at a time, until none is due. */
  runPass(): Promise<PassCounts> {
    return this.passes.run('automation', { steps: 0, runs: 0 }, async (counts) => {
      const until = Date.now() + PASS_BUDGET_MS;
      while (Date.now() < until) {
        const advanced = await this.repo.advanceOne((session) => {
          const from = session.completedRuns;
          const to = Math.min(from + RUNS_PER_STEP, session.totalRuns);
          const terms = { seed: session.seed, strategy: session.strategy as Strategy, currencies: session.currencies, stakePerRun: session.stakePerRun };
          counts.runs! += to - from;
          return Array.from({ length: to - from }, (_, i) => simulateRun(terms, from + i));
        });
        if (!advanced) return;
        counts.steps!++;
      }
    });
  }
}
