import { Module } from '@nestjs/common';
import { AuthModule } from '../../auth/auth.module';
import { NotificationsModule } from '../notifications.module';
import { NotificationBus } from './notification-bus';
import { NotificationStreamController } from './notification-stream.controller';
import { NotificationStreamsService } from './notification-streams.service';
import { StreamAuthGuard } from './stream-auth.guard';
import { StreamTicketsService } from './stream-tickets.service';

/** The live stream: API processes only (workers write notifications, they never serve streams). */
@Module({
  imports: [AuthModule, NotificationsModule],
  controllers: [NotificationStreamController],
  providers: [NotificationBus, NotificationStreamsService, StreamTicketsService, StreamAuthGuard],
})
export class NotificationStreamModule {}
