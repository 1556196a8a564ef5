import { types } from 'node:util';
import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { Logger } from 'pino';
import { APP_LOGGER } from '../config/config.module';
import { PrismaService } from '../database/prisma.service';
import { pendingMigrations, shippedMigrations } from '../database/migration-state';
import { ShutdownState } from './shutdown-state';

const DB_TIMEOUT_MS = 2000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]);
}

@Injectable()
export class ReadinessIndicators {
  private readonly expectedMigrations = shippedMigrations();

  /** What was last logged per check, so a probe every few seconds logs a change once. */
  private readonly lastLogged = new Map<string, string>();

  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly prisma: PrismaService,
    private readonly shutdown: ShutdownState,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * /readyz is unauthenticated: it gives a generic reason only. The database's own error
   * text (host names, user names, TLS details) goes to the log, once per change.
   */
  private down(check: ReturnType<HealthIndicatorService['check']>, key: string, reason: string, error?: unknown) {
    // isNativeError: pg's socket and TLS errors come from Node's own realm (not always `instanceof Error` in a test VM).
    const isError = error instanceof Error || types.isNativeError(error);
    const detail = isError ? (error as Error).message : reason;
    if (this.lastLogged.get(key) !== detail) {
      this.lastLogged.set(key, detail);
      this.logger.warn({ check: key, reason, ...(isError ? { err: error } : {}) }, 'not ready');
    }
    return check.down({ message: reason });
  }

  private up(check: ReturnType<HealthIndicatorService['check']>, key: string, data: Record<string, unknown> = {}) {
    if (this.lastLogged.delete(key)) this.logger.info({ check: key }, 'ready again');
    return check.up(data);
  }

  notShuttingDown() {
    const check = this.indicators.check('shutdown');
    return this.shutdown.isShuttingDown ? check.down({ message: 'shutting down' }) : check.up();
  }

  // Both checks are plain SQL on Prisma's own pool (same connections and limits): a probe every
  // few seconds need not go through Prisma's query compiler, and a starting pod is ready
  // before that compiler has loaded (docs/performance.md, "Cold start").
  async database() {
    const check = this.indicators.check('database');
    try {
      await withTimeout(this.prisma.pool.query('SELECT 1'), DB_TIMEOUT_MS);
      return this.up(check, 'database');
    } catch (error) {
      return this.down(check, 'database', 'unreachable', error);
    }
  }

  async migrations() {
    const check = this.indicators.check('migrations');
    try {
      const { rows: applied } = await withTimeout(
        this.prisma.pool.query<{ migration_name: string }>(
          'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
        ),
        DB_TIMEOUT_MS,
      );
      const pending = pendingMigrations(this.expectedMigrations, applied);
      if (pending.length === 0) return this.up(check, 'migrations', { applied: this.expectedMigrations.length });
      return this.down(check, 'migrations', `${pending.length} pending`, new Error(`pending migrations: ${pending.join(', ')}`));
    } catch (error) {
      return this.down(check, 'migrations', 'cannot read the migration table', error);
    }
  }
}
