import { HttpStatus, Injectable } from '@nestjs/common';
import { AppError } from '../errors/error-body';
import type { Db } from '../users/users.repository';
import type { SqlClient } from '../database/prisma.service';
import { NotificationsRepository, type NewNotification } from './notifications.repository';
import { toNotificationDto, type NotificationListDto } from './notifications.dto';

/** In-app messages; only ever visible to and changeable by their owner. */
@Injectable()
export class NotificationsService {
  constructor(private readonly repo: NotificationsRepository) {}

  /** Other features call this (inside their transaction when they pass `db`). */
  async notify(userId: string, title: string, body: string, db?: Db): Promise<void> {
    await this.repo.create(userId, title, body, db);
  }

  /** Many at once, inside the caller's SQL transaction. */
  notifyMany(notifications: NewNotification[], client: SqlClient): Promise<void> {
    return this.repo.createMany(notifications, client);
  }

  async list(userId: string, options: { limit?: number; offset?: number; unread?: boolean }): Promise<NotificationListDto> {
    const [items, unreadCount] = await Promise.all([
      this.repo.listForOwner(userId, { limit: options.limit ?? 50, offset: options.offset ?? 0, unreadOnly: options.unread ?? false }),
      this.repo.countUnread(userId),
    ]);
    return { items: items.map(toNotificationDto), unreadCount };
  }

  async markRead(userId: string, id: string): Promise<void> {
    // Someone else's notification answers exactly like a missing one.
    if (!(await this.repo.markRead(userId, id))) throw new AppError(HttpStatus.NOT_FOUND, 'NOTIFICATION_NOT_FOUND', 'Notification not found');
  }

  markAllRead(userId: string): Promise<number> {
    return this.repo.markAllRead(userId);
  }
}
