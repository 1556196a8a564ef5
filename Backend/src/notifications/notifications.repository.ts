import { Injectable } from '@nestjs/common';
import type { Notification } from '@prisma/client';
import { PrismaService } from '../database/prisma.service';
import type { Db } from '../users/users.repository';

/** Every Prisma call on notifications; every read and write is scoped to the owner. */
@Injectable()
export class NotificationsRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(userId: string, title: string, body: string, db: Db = this.prisma): Promise<Notification> {
    return db.notification.create({ data: { userId, title, body } });
  }

  listForOwner(userId: string, options: { limit: number; offset: number; unreadOnly: boolean }): Promise<Notification[]> {
    return this.prisma.notification.findMany({
      where: { userId, ...(options.unreadOnly ? { readAt: null } : {}) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: options.limit,
      skip: options.offset,
    });
  }

  countUnread(userId: string): Promise<number> {
    return this.prisma.notification.count({ where: { userId, readAt: null } });
  }

  async markRead(userId: string, id: string): Promise<boolean> {
    const { count } = await this.prisma.notification.updateMany({ where: { id, userId }, data: { readAt: new Date() } });
    return count === 1;
  }

  async markAllRead(userId: string): Promise<number> {
    const { count } = await this.prisma.notification.updateMany({ where: { userId, readAt: null }, data: { readAt: new Date() } });
    return count;
  }
}
