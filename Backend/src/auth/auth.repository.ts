import { Injectable } from '@nestjs/common';
import { AuthEventType, OneTimeCodePurpose, Prisma, type OneTimeCode, type RefreshToken } from '@prisma/client';
import { PrismaService } from '../database/prisma.service';
import type { Db } from '../users/users.repository';
import type { ClientContext } from './client-context';

/** Every Prisma call on one-time codes, refresh tokens and auth events. */
@Injectable()
export class AuthRepository {
  constructor(readonly prisma: PrismaService) {}

  transaction<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(fn);
  }

  // --- one-time codes ---

  /** Issues a code and kills every earlier live code of the same purpose, atomically. */
  issueCode(userId: string, purpose: OneTimeCodePurpose, codeHash: string, expiresAt: Date): Promise<void> {
    return this.prisma.$transaction(async (tx) => {
      await this.invalidateCodes(userId, purpose, tx);
      await tx.oneTimeCode.create({ data: { userId, purpose, codeHash, expiresAt } });
    });
  }

  invalidateCodes(userId: string, purpose: OneTimeCodePurpose, db: Db = this.prisma) {
    return db.oneTimeCode.updateMany({
      where: { userId, purpose, consumedAt: null, invalidatedAt: null },
      data: { invalidatedAt: new Date() },
    });
  }

  /** The newest code that is neither used nor replaced (it may still be expired or out of attempts). */
  latestLiveCode(userId: string, purpose: OneTimeCodePurpose): Promise<OneTimeCode | null> {
    return this.prisma.oneTimeCode.findFirst({
      where: { userId, purpose, consumedAt: null, invalidatedAt: null },
      orderBy: { createdAt: 'desc' },
    });
  }

  /** Spends one attempt; false when none is left, or the code expired, was used or replaced meanwhile. */
  async spendAttempt(code: OneTimeCode): Promise<boolean> {
    const { count } = await this.prisma.oneTimeCode.updateMany({
      where: { id: code.id, consumedAt: null, invalidatedAt: null, expiresAt: { gt: new Date() }, attempts: { lt: code.maxAttempts } },
      data: { attempts: { increment: 1 } },
    });
    return count === 1;
  }

  /** Single use: exactly one caller can consume a code. */
  async consumeCode(id: string, db: Db = this.prisma): Promise<boolean> {
    const { count } = await db.oneTimeCode.updateMany({
      where: { id, consumedAt: null, invalidatedAt: null, expiresAt: { gt: new Date() } },
      data: { consumedAt: new Date() },
    });
    return count === 1;
  }

  // --- refresh tokens ---

  createRefreshToken(data: { userId: string; familyId: string; tokenHash: string; expiresAt: Date; context: ClientContext }, db: Db = this.prisma): Promise<RefreshToken> {
    const { context, ...rest } = data;
    return db.refreshToken.create({ data: { ...rest, ip: context.ip, userAgent: context.userAgent } });
  }

  findRefreshToken(tokenHash: string): Promise<RefreshToken | null> {
    return this.prisma.refreshToken.findUnique({ where: { tokenHash } });
  }

  /**
   * The concurrency guard of refresh: a conditional UPDATE that only one of several
   * concurrent requests with the same token can win (row lock + re-checked WHERE).
   */
  async markRotated(id: string, db: Db): Promise<boolean> {
    const { count } = await db.refreshToken.updateMany({ where: { id, rotatedAt: null, revokedAt: null }, data: { rotatedAt: new Date() } });
    return count === 1;
  }

  async revokeFamily(familyId: string, db: Db = this.prisma): Promise<number> {
    const { count } = await db.refreshToken.updateMany({ where: { familyId, revokedAt: null }, data: { revokedAt: new Date() } });
    return count;
  }

  async revokeAllForUser(userId: string, db: Db = this.prisma): Promise<number> {
    const { count } = await db.refreshToken.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: new Date() } });
    return count;
  }

  // --- audit ---

  recordEvent(type: AuthEventType, userId: string | null, context: ClientContext, metadata?: Prisma.InputJsonObject, db: Db = this.prisma) {
    return db.authEvent.create({ data: { type, userId, ip: context.ip, userAgent: context.userAgent, metadata } });
  }
}
