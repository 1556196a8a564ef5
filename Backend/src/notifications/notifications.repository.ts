import { Injectable } from '@nestjs/common';
import type { Notification, Role } from '@prisma/client';
import { sha256 } from '../auth/one-time-secrets';
import { PrismaService, type SqlClient } from '../database/prisma.service';
import type { Db } from '../users/users.repository';

export interface NewNotification {
  userId: string;
  title: string;
  body: string;
}

export interface RedeemedTicket {
  userId: string;
  email: string;
  role: Role;
  tokenVersion: number;
  sessionEndsAt: Date;
}

/** Every Prisma call on notifications; every read and write is scoped to the owner. */
@Injectable()
export class NotificationsRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(userId: string, title: string, body: string, db: Db = this.prisma): Promise<Notification> {
    return db.notification.create({ data: { userId, title, body } });
  }

  /** Many at once in the caller's SQL transaction (the deposit monitor's batched credits). */
  async createMany(notifications: NewNotification[], client: SqlClient): Promise<void> {
    if (notifications.length === 0) return;
    await client.query(
      `INSERT INTO "Notification" ("id", "userId", "title", "body")
       SELECT gen_random_uuid(), n."userId", n."title", n."body" FROM unnest($1::uuid[], $2::text[], $3::text[]) AS n("userId", "title", "body")`,
      [notifications.map((n) => n.userId), notifications.map((n) => n.title), notifications.map((n) => n.body)],
    );
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

  /** The stream's replay after `Last-Event-ID`: the owner's notifications past that position. */
  listAfter(userId: string, afterSeq: bigint, limit: number): Promise<Notification[]> {
    return this.prisma.notification.findMany({ where: { userId, seq: { gt: afterSeq } }, orderBy: { seq: 'asc' }, take: limit });
  }

  /** The owner's latest stream position (0 when none): where a fresh stream starts. */
  async lastPosition(userId: string): Promise<bigint> {
    const { _max } = await this.prisma.notification.aggregate({ where: { userId }, _max: { seq: true } });
    return _max.seq ?? 0n;
  }

  /** Rows announced on kv_notifications, for the users with a stream here only. */
  findAnnounced(seqs: bigint[], userIds: string[]): Promise<Notification[]> {
    return this.prisma.notification.findMany({ where: { seq: { in: seqs }, userId: { in: userIds } }, orderBy: { seq: 'asc' } });
  }

  async createStreamTicket(ticket: string, data: { userId: string; tokenVersion: number; expiresAt: Date; sessionEndsAt: Date }): Promise<void> {
    await this.prisma.notificationStreamTicket.create({ data: { tokenHash: sha256(ticket), ...data } });
  }

  /**
   * One-time: the row is deleted by the redeeming statement, so two replicas presented the
   * same ticket at once cannot both win. A logout-all since issue (tokenVersion moved) kills it.
   */
  async redeemStreamTicket(ticket: string): Promise<RedeemedTicket | null> {
    const rows = await this.prisma.$queryRaw<(RedeemedTicket & { valid: boolean })[]>`
      DELETE FROM "NotificationStreamTicket" t
      USING "User" u
      WHERE t."tokenHash" = ${sha256(ticket)} AND u."id" = t."userId"
      RETURNING t."userId", u."email", u."role", t."tokenVersion", t."sessionEndsAt",
        (t."expiresAt" > now() AND t."sessionEndsAt" > now() AND t."tokenVersion" = u."tokenVersion") AS "valid"`;
    const row = rows[0];
    return row?.valid ? row : null;
  }
}
