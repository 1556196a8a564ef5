import { Module } from '@nestjs/common';
import { DepositsModule } from '../deposits/deposits.module';
import { ScheduledJobsService } from './scheduled-jobs.service';

/** Imported only when RUN_SCHEDULED_JOBS=true (see AppModule). */
@Module({ imports: [DepositsModule], providers: [ScheduledJobsService] })
export class ScheduledJobsModule {}
