import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AccountsController } from './accounts.controller';
import { AccountsService } from './accounts.service';
import { LedgerRepository } from './ledger.repository';

@Module({
  imports: [AuthModule],
  controllers: [AccountsController],
  providers: [AccountsService, LedgerRepository],
  exports: [LedgerRepository],
})
export class AccountsModule {}
