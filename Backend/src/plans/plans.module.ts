import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AdminPlansController, PlansController } from './plans.controller';
import { PlansRepository } from './plans.repository';
import { PlansService } from './plans.service';

@Module({
  imports: [AuthModule],
  controllers: [PlansController, AdminPlansController],
  providers: [PlansService, PlansRepository],
  exports: [PlansService],
})
export class PlansModule {}
