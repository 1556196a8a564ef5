import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { KycModule } from '../kyc/kyc.module';
import { AdminKycController } from './admin-kyc.controller';
import { AdminUsersController } from './admin-users.controller';
import { AdminRepository } from './admin.repository';
import { AdminService } from './admin.service';

/** Admin routes of identity: users (without secrets) and KYC decisions. */
@Module({
  imports: [AuthModule, KycModule],
  controllers: [AdminUsersController, AdminKycController],
  providers: [AdminService, AdminRepository],
})
export class AdminModule {}
