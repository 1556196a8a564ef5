import { Injectable } from '@nestjs/common';
import { AuthEventType, OneTimeCodePurpose, Prisma, type OneTimeCode, type RefreshToken } from '@prisma/client';
import { PrismaService } from '../database/prisma.service';
import type { Db } from '../users/users.repository';
import type { ClientContext } from './client-context';

/** Credentials a registration binds to the verification code it causes to be sent. */
export interface PendingCredentials {
  passwordHash: string;
  name: string;
}

/** Every Prisma call on one-time codes, refresh tokens and auth events. */
@Injectable()
export class AuthRepository {
  constructor(readonly prisma: PrismaService) {}

  transaction<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(fn);
  }

  // --- one-time codes ---

  /**
   * Issues a code for a request made at `requestedAt` and kills every earlier live code of the
   * same purpose; call it inside the transaction that also writes the email carrying the code,
   * with the user row locked. Requests are processed in the background, so two of them may be
   * processed out of order: the newest *request* wins, and a code for an older one is not
   * issued at all (false). `pending` binds a registration's credentials to its code.
   */
  async issueCode(
    db: Prisma.TransactionClient,
    data: { userId: string; purpose: OneTimeCodePurpose; codeHash: string; requestedAt: Date; ttlSeconds: number; pending?: PendingCredentials },
  ): Promise<boolean> {
    const newer = await db.oneTimeCode.count({ where: { userId: data.userId, purpose: data.purpose, createdAt: { gt: data.requestedAt } } });
    if (newer > 0) return false;
    await this.invalidateCodes(data.userId, data.purpose, db);
    await db.oneTimeCode.create({
      data: {
        userId: data.userId,
        purpose: data.purpose,
        codeHash: data.codeHash,
        createdAt: data.requestedAt,
        expiresAt: new Date(data.requestedAt.getTime() + data.ttlSeconds * 1000),
        pendingPasswordHash: data.pending?.passwordHash ?? null,
        pendingName: data.pending?.name ?? null,
      },
    });
    return true;
  }

  /**
   * The credentials of the newest registration of an unverified account (what a resent code
   * must carry); null when no code carries any (expired and deleted by housekeeping).
   */
  async latestPendingCredentials(userId: string, db: Db = this.prisma): Promise<PendingCredentials | null> {
    const code = await db.oneTimeCode.findFirst({
      where: { userId, purpose: OneTimeCodePurpose.EMAIL_VERIFICATION, consumedAt: null, pendingPasswordHash: { not: null }, pendingName: { not: null } },
      orderBy: { createdAt: 'desc' },
      select: { pendingPasswordHash: true, pendingName: true },
    });
    return code?.pendingPasswordHash && code.pendingName ? { passwordHash: code.pendingPasswordHash, name: code.pendingName } : null;
  }

  /**
   * A reset token is 256 random bits: it is looked up by its hash, and a wrong token touches
   * no row, so strangers cannot burn the owner's live token with wrong guesses.
   */
  findResetCode(userId: string, codeHash: string): Promise<OneTimeCode | null> {
    return this.prisma.oneTimeCode.findFirst({
      where: { userId, purpose: OneTimeCodePurpose.PASSWORD_RESET, codeHash, consumedAt: null, invalidatedAt: null },
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

  findRefreshTokenById(id: string, db: Db = this.prisma): Promise<RefreshToken | null> {
    return db.refreshToken.findUnique({ where: { id } });
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

  /**
   * A failed login in one statement, whether or not the address has an account: the audit
   * row, plus (for a user) the failure counter and, when this failure spent the account's
   * budget, lockedUntil. One round trip and one commit either way, so timing does not tell.
   */
  async recordLoginFailure(userId: string | null, lockedUntil: Date | null, context: Pick<ClientContext, 'ip' | 'userAgent'>, reason: string): Promise<void> {
    await this.prisma.$executeRaw`
      WITH counted AS (
        UPDATE "User" SET "failedLoginCount" = "failedLoginCount" + 1, "lockedUntil" = COALESCE(${lockedUntil}::timestamp, "lockedUntil"), "updatedAt" = now()
         WHERE "id" = ${userId}::uuid)
      INSERT INTO "AuthEvent" ("id", "type", "userId", "ip", "userAgent", "metadata", "createdAt")
      VALUES (gen_random_uuid(), 'LOGIN_FAILED', ${userId}::uuid, ${context.ip}, ${context.userAgent}, ${JSON.stringify({ reason })}::jsonb, now())`;
  }

  recordEvent(type: AuthEventType, userId: string | null, context: Pick<ClientContext, 'ip' | 'userAgent'>, metadata?: Prisma.InputJsonObject, db: Db = this.prisma) {
    return db.authEvent.create({ data: { type, userId, ip: context.ip, userAgent: context.userAgent, metadata } });
  }
}
