import { Module } from '@nestjs/common';
import { AutomationModule } from '../automation/automation.module';
import { DepositsModule } from '../deposits/deposits.module';
import { HousekeepingModule } from '../housekeeping/housekeeping.module';
import { InvestmentsModule } from '../investments/investments.module';
import { ScheduledJobsService } from './scheduled-jobs.service';

/** Imported only when RUN_SCHEDULED_JOBS=true (see AppModule). */
@Module({ imports: [DepositsModule, HousekeepingModule, InvestmentsModule, AutomationModule], providers: [ScheduledJobsService] })
export class ScheduledJobsModule {}
