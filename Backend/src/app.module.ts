import { DynamicModule, Module, type Type } from '@nestjs/common';
import type { Logger } from 'pino';
import { AdminModule } from './admin/admin.module';
import { AuthModule } from './auth/auth.module';
import { ConfigModule } from './config/config.module';
import type { AppConfig } from './config/config.schema';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { KycModule } from './kyc/kyc.module';
import { MetricsModule } from './metrics/metrics.module';
import { NotificationsModule } from './notifications/notifications.module';
import { ProfileModule } from './profile/profile.module';

export type ModuleImport = Type | DynamicModule;

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logger: Logger, extraModules: ModuleImport[] = []): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config, logger),
        DatabaseModule,
        MetricsModule,
        HealthModule,
        AuthModule,
        ProfileModule,
        KycModule,
        NotificationsModule,
        AdminModule,
        ...extraModules,
      ],
    };
  }
}
