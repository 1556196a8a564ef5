import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { KycModule } from '../kyc/kyc.module';
import { AdminDashboardController } from './admin-dashboard.controller';
import { AdminDashboardService } from './admin-dashboard.service';
import { AdminKycController } from './admin-kyc.controller';
import { AdminUsersController } from './admin-users.controller';
import { AdminRepository } from './admin.repository';
import { AdminService } from './admin.service';

/** Admin routes of identity (users without secrets, KYC decisions) and the dashboard figures. */
@Module({
  imports: [AuthModule, KycModule],
  controllers: [AdminUsersController, AdminKycController, AdminDashboardController],
  providers: [AdminService, AdminRepository, AdminDashboardService],
})
export class AdminModule {}
