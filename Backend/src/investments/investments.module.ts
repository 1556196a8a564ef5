import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { AuthModule } from '../auth/auth.module';
import { JobsStatusModule } from '../jobs/jobs-status.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { PlansModule } from '../plans/plans.module';
import { EarningsRepository } from './earnings.repository';
import { EarningsService } from './earnings.service';
import { AdminInvestmentsController } from './admin-investments.controller';
import { InvestmentsController } from './investments.controller';
import { InvestmentsRepository } from './investments.repository';
import { InvestmentsService } from './investments.service';

@Module({
  imports: [AuthModule, AccountsModule, PlansModule, JobsStatusModule, NotificationsModule],
  controllers: [InvestmentsController, AdminInvestmentsController],
  providers: [InvestmentsService, InvestmentsRepository, EarningsService, EarningsRepository],
  exports: [EarningsService],
})
export class InvestmentsModule {}
