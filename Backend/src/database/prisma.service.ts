import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { PrismaClient } from '@prisma/client';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { createPrismaPg, databaseSettings } from './pg-adapter';

const DISCONNECT_WAIT_MS = 5_000;

/** The one PrismaClient of the process; connects lazily, disconnects on shutdown. */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleDestroy {
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super({ adapter: createPrismaPg(config.DATABASE_URL, databaseSettings(config)) });
  }

  /** Bounded: a connection stuck on a database that went away must not hold up the exit. */
  async onModuleDestroy() {
    await Promise.race([this.$disconnect(), new Promise((resolve) => setTimeout(resolve, DISCONNECT_WAIT_MS).unref())]);
  }
}
