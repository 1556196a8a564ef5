import { Injectable } from '@nestjs/common';
import { Prisma, type User } from '@prisma/client';
import { PrismaService } from '../database/prisma.service';

export type Db = PrismaService | Prisma.TransactionClient;

/** What authenticating a request needs of the user, and what `GET /auth/me` shows. */
export type SessionUser = Pick<User, 'id' | 'email' | 'name' | 'role' | 'tokenVersion' | 'emailVerifiedAt' | 'kycStatus' | 'createdAt'>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SESSION_USER_SQL = `
  SELECT "id", "email", "name", "role"::text AS "role", "tokenVersion", "kycStatus"::text AS "kycStatus",
         "emailVerifiedAt" AT TIME ZONE 'UTC' AS "emailVerifiedAt", "createdAt" AT TIME ZONE 'UTC' AS "createdAt"
  FROM "User" WHERE "id" = $1`;

/** Every Prisma call on the User table. */
@Injectable()
export class UsersRepository {
  constructor(readonly prisma: PrismaService) {}

  findByEmail(email: string, db: Db = this.prisma): Promise<User | null> {
    return db.user.findUnique({ where: { email } });
  }

  /** The user of this address with its row locked until the transaction ends (serializes work on one account). */
  async findByEmailForUpdate(email: string, tx: Prisma.TransactionClient): Promise<User | null> {
    const rows = await tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "User" WHERE "email" = ${email} FOR UPDATE`;
    return rows[0] ? tx.user.findUnique({ where: { id: rows[0].id } }) : null;
  }

  findById(id: string, db: Db = this.prisma): Promise<User | null> {
    return db.user.findUnique({ where: { id } });
  }

  /**
   * The caller of an authenticated request (AccessTokenGuard, every request): one indexed
   * read in plain SQL on Prisma's own pool, which costs a third of findUnique's CPU
   * (docs/performance.md, "Hot reads"). Timestamps are read as UTC, as Prisma reads them.
   */
  async findSessionUser(id: string): Promise<SessionUser | null> {
    if (!UUID.test(id)) return null;
    const { rows } = await this.prisma.pool.query<SessionUser>(SESSION_USER_SQL, [id]);
    return rows[0] ?? null;
  }

  create(data: Prisma.UserCreateInput, db: Db = this.prisma): Promise<User> {
    return db.user.create({ data });
  }

  /**
   * Verifies the address with the credentials the verification code carries (whoever proved
   * the inbox decides them) and ends every access token issued before. Only if the address
   * was not verified yet: false when someone else won.
   */
  async completeVerification(id: string, credentials: { passwordHash: string; name: string }, db: Db = this.prisma): Promise<boolean> {
    const { count } = await db.user.updateMany({
      where: { id, emailVerifiedAt: null },
      data: { emailVerifiedAt: new Date(), passwordHash: credentials.passwordHash, name: credentials.name, tokenVersion: { increment: 1 } },
    });
    return count === 1;
  }

  /** Marks the email verified only if it was not already (a reset link reached the inbox too). */
  async markEmailVerified(id: string, db: Db = this.prisma): Promise<boolean> {
    const { count } = await db.user.updateMany({ where: { id, emailVerifiedAt: null }, data: { emailVerifiedAt: new Date() } });
    return count === 1;
  }

  /** Refuses every access token issued so far (they carry the old version). */
  async bumpTokenVersion(id: string, db: Db = this.prisma): Promise<void> {
    await db.user.update({ where: { id }, data: { tokenVersion: { increment: 1 } } });
  }

  recordLoginSuccess(id: string): Promise<User> {
    return this.prisma.user.update({ where: { id }, data: { failedLoginCount: 0, lockedUntil: null, lastLoginAt: new Date() } });
  }

  /** A completed password reset: the new hash, the address proven, every access token refused. */
  setPasswordFromReset(id: string, passwordHash: string, db: Db = this.prisma): Promise<User> {
    return db.user.update({
      where: { id },
      data: { passwordHash, failedLoginCount: 0, lockedUntil: null, tokenVersion: { increment: 1 } },
    });
  }
}
