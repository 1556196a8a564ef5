import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
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

  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly prisma: PrismaService,
    private readonly shutdown: ShutdownState,
  ) {}

  notShuttingDown() {
    const check = this.indicators.check('shutdown');
    return this.shutdown.isShuttingDown ? check.down({ message: 'shutting down' }) : check.up();
  }

  async database() {
    const check = this.indicators.check('database');
    try {
      await withTimeout(this.prisma.$queryRaw`SELECT 1`, DB_TIMEOUT_MS);
      return check.up();
    } catch (error) {
      return check.down({ message: `unreachable: ${(error as Error).message.split('\n')[0]}` });
    }
  }

  async migrations() {
    const check = this.indicators.check('migrations');
    try {
      const applied = await withTimeout(
        this.prisma.$queryRaw<{ migration_name: string }[]>`
          SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
        DB_TIMEOUT_MS,
      );
      const pending = pendingMigrations(this.expectedMigrations, applied);
      return pending.length === 0 ? check.up({ applied: this.expectedMigrations.length }) : check.down({ message: `pending: ${pending.join(', ')}` });
    } catch (error) {
      return check.down({ message: `cannot read migration table: ${(error as Error).message.split('\n')[0]}` });
    }
  }
}
