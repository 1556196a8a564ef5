import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { JobsStatusModule } from '../jobs/jobs-status.module';
import { AutomationController } from './automation.controller';
import { AutomationRepository } from './automation.repository';
import { AutomationService } from './automation.service';

@Module({
  imports: [AuthModule, JobsStatusModule],
  controllers: [AutomationController],
  providers: [AutomationService, AutomationRepository],
  exports: [AutomationService],
})
export class AutomationModule {}
