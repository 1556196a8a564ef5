import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';

/**
 * The deletes of housekeeping, each in batches of `limit` rows so no statement holds many
 * locks or runs long (a pass repeats a delete until it removes fewer than `limit`).
 */
@Injectable()
export class HousekeepingRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Refresh tokens past their expiry: useless for a refresh and for reuse detection. */
  deleteExpiredRefreshTokens(limit: number): Promise<number> {
    return this.prisma.$executeRaw`
      DELETE FROM "RefreshToken" WHERE "id" IN (SELECT "id" FROM "RefreshToken" WHERE "expiresAt" < now() LIMIT ${limit})`;
  }

  /** Verification codes and reset tokens past their expiry (consumed or not). */
  deleteExpiredOneTimeCodes(limit: number): Promise<number> {
    return this.prisma.$executeRaw`
      DELETE FROM "OneTimeCode" WHERE "id" IN (SELECT "id" FROM "OneTimeCode" WHERE "expiresAt" < now() LIMIT ${limit})`;
  }

  /** Emails sent or given up on more than `days` ago (their bodies were blanked then). */
  pruneEmailOutbox(days: number, limit: number): Promise<number> {
    return this.prisma.$executeRaw`
      DELETE FROM "EmailOutbox" WHERE "id" IN (
        SELECT "id" FROM "EmailOutbox"
         WHERE COALESCE("sentAt", "failedAt") < now() - make_interval(days => ${days}::int) LIMIT ${limit})`;
  }

  /** Registration/resend/reset requests processed more than `days` ago. */
  pruneAuthRequests(days: number, limit: number): Promise<number> {
    return this.prisma.$executeRaw`
      DELETE FROM "AuthRequest" WHERE "id" IN (
        SELECT "id" FROM "AuthRequest" WHERE "processedAt" < now() - make_interval(days => ${days}::int) LIMIT ${limit})`;
  }

  /** Auth audit rows older than the retention. */
  pruneAuthEvents(retentionDays: number, limit: number): Promise<number> {
    return this.prisma.$executeRaw`
      DELETE FROM "AuthEvent" WHERE "id" IN (
        SELECT "id" FROM "AuthEvent" WHERE "createdAt" < now() - make_interval(days => ${retentionDays}::int) LIMIT ${limit})`;
  }

  /** Stream tickets live for a minute; expired ones are useless (redeeming checks expiry too). */
  deleteExpiredStreamTickets(limit: number): Promise<number> {
    return this.prisma.$executeRaw`
      DELETE FROM "NotificationStreamTicket" WHERE "tokenHash" IN (
        SELECT "tokenHash" FROM "NotificationStreamTicket" WHERE "expiresAt" < now() LIMIT ${limit})`;
  }
}
