import { Module } from '@nestjs/common';
import { JobsStatusModule } from '../jobs/jobs-status.module';
import { HousekeepingRepository } from './housekeeping.repository';
import { HousekeepingService } from './housekeeping.service';

@Module({ imports: [JobsStatusModule], providers: [HousekeepingService, HousekeepingRepository], exports: [HousekeepingService] })
export class HousekeepingModule {}
