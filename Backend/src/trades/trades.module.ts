import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { TradesController } from './trades.controller';
import { TradesRepository } from './trades.repository';
import { TradesService } from './trades.service';

@Module({ imports: [AuthModule], controllers: [TradesController], providers: [TradesService, TradesRepository] })
export class TradesModule {}
