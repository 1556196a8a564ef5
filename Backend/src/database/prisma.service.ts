import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '@prisma/client';
import type pg from 'pg';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { createPgPool, databaseSettings, inTransaction, releasingFailedTransactionEnds } from './pg-adapter';

const DISCONNECT_WAIT_MS = 5_000;

/** A connection inside `PrismaService.sqlTransaction`: plain SQL, parameters as `$1`, `$2` ... */
export type SqlClient = pg.ClientBase;

/** The one PrismaClient of the process; connects lazily, disconnects on shutdown. */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleDestroy {
  /**
   * The pg pool under the client (one pool, one set of connections and limits). Only the
   * hottest reads use it directly, as plain SQL that skips Prisma's per-query compile:
   * the caller lookup of every authenticated request, the balances, and the deposit monitor's
   * batched credits (docs/performance.md).
   */
  readonly pool: pg.Pool;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const pool = createPgPool(config.DATABASE_URL, databaseSettings(config));
    // An idle client whose server went away emits 'error' on the pool; unheard, that would crash
    // the process before Prisma adds its own listener (it does on its first query). pg-pool
    // discards the client; the next query gets a fresh one or a DATABASE_UNAVAILABLE answer.
    pool.on('error', () => undefined);
    super({ adapter: releasingFailedTransactionEnds(new PrismaPg(pool, { disposeExternalPool: true })) });
    this.pool = pool;
  }

  /** `fn` in one transaction on a connection of the pool (`inTransaction`). */
  sqlTransaction<T>(fn: (client: SqlClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, fn);
  }

  /** Bounded: a connection stuck on a database that went away must not hold up the exit. */
  async onModuleDestroy() {
    await Promise.race([this.$disconnect(), new Promise((resolve) => setTimeout(resolve, DISCONNECT_WAIT_MS).unref())]);
  }
}
