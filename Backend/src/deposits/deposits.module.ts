import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { AuthModule } from '../auth/auth.module';
import { JobsStatusModule } from '../jobs/jobs-status.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { AdminDepositsController } from './admin-deposits.controller';
import { DepositMonitorMetrics } from './deposit-monitor.metrics';
import { DepositMonitorService } from './deposit-monitor.service';
import { DepositsController } from './deposits.controller';
import { DepositsRepository } from './deposits.repository';
import { DepositsService } from './deposits.service';
import { BlockchainVerifierClient } from './verifier/blockchain-verifier.client';

@Module({
  imports: [AuthModule, AccountsModule, NotificationsModule, JobsStatusModule],
  controllers: [DepositsController, AdminDepositsController],
  providers: [DepositsService, DepositsRepository, DepositMonitorService, DepositMonitorMetrics, BlockchainVerifierClient],
  exports: [DepositMonitorService],
})
export class DepositsModule {}
