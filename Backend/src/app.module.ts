import { DynamicModule, Module, type Type } from '@nestjs/common';
import type { Logger } from 'pino';
import { AccountsModule } from './accounts/accounts.module';
import { AdminModule } from './admin/admin.module';
import { AssetsModule } from './assets/assets.module';
import { AutomationModule } from './automation/automation.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { ConfigModule } from './config/config.module';
import type { AppConfig } from './config/config.schema';
import { DatabaseModule } from './database/database.module';
import { DepositsModule } from './deposits/deposits.module';
import { HealthModule } from './health/health.module';
import { HousekeepingModule } from './housekeeping/housekeeping.module';
import { InvestmentsModule } from './investments/investments.module';
import { JobsStatusModule } from './jobs/jobs-status.module';
import { KycModule } from './kyc/kyc.module';
import { MetricsModule } from './metrics/metrics.module';
import { NotificationsModule } from './notifications/notifications.module';
import { NotificationStreamModule } from './notifications/stream/notification-stream.module';
import { PlansModule } from './plans/plans.module';
import { ProfileModule } from './profile/profile.module';
import { TradesModule } from './trades/trades.module';
import { WithdrawalsModule } from './withdrawals/withdrawals.module';

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
        NotificationStreamModule,
        AdminModule,
        AuditModule,
        AssetsModule,
        AccountsModule,
        JobsStatusModule,
        DepositsModule,
        WithdrawalsModule,
        HousekeepingModule,
        PlansModule,
        InvestmentsModule,
        TradesModule,
        AutomationModule,
        ...extraModules,
      ],
    };
  }
}
