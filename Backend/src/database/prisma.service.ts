import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { PrismaClient } from '@prisma/client';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { createPrismaPg, databaseSettings } from './pg-adapter';

/** The one PrismaClient of the process; connects lazily, disconnects on shutdown. */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleDestroy {
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super({ adapter: createPrismaPg(config.DATABASE_URL, databaseSettings(config)) });
  }

  async onModuleDestroy() {
    await this.$disconnect();
  }
}
