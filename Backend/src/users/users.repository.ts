import { Injectable } from '@nestjs/common';
import { Prisma, type User } from '@prisma/client';
import { PrismaService } from '../database/prisma.service';

export type Db = PrismaService | Prisma.TransactionClient;

/** Every Prisma call on the User table. */
@Injectable()
export class UsersRepository {
  constructor(readonly prisma: PrismaService) {}

  findByEmail(email: string, db: Db = this.prisma): Promise<User | null> {
    return db.user.findUnique({ where: { email } });
  }

  findById(id: string, db: Db = this.prisma): Promise<User | null> {
    return db.user.findUnique({ where: { id } });
  }

  create(data: Prisma.UserCreateInput, db: Db = this.prisma): Promise<User> {
    return db.user.create({ data });
  }

  /** Marks the email verified only if it was not already (false when someone else won). */
  async markEmailVerified(id: string, db: Db = this.prisma): Promise<boolean> {
    const { count } = await db.user.updateMany({ where: { id, emailVerifiedAt: null }, data: { emailVerifiedAt: new Date() } });
    return count === 1;
  }

  /**
   * Counts one failed login atomically and locks the account when the count reaches
   * `maxFailures`. Returns the new count and the lock end (if locked now).
   */
  async recordLoginFailure(id: string, maxFailures: number, lockoutSeconds: number): Promise<{ failedLoginCount: number; lockedUntil: Date | null }> {
    const rows = await this.prisma.$queryRaw<{ failedLoginCount: number; lockedUntil: Date | null }[]>`
      UPDATE "User"
         SET "failedLoginCount" = CASE WHEN "failedLoginCount" + 1 >= ${maxFailures} THEN 0 ELSE "failedLoginCount" + 1 END,
             "lockedUntil" = CASE WHEN "failedLoginCount" + 1 >= ${maxFailures}
                                  THEN now() + make_interval(secs => ${lockoutSeconds}::double precision)
                                  ELSE "lockedUntil" END,
             "updatedAt" = now()
       WHERE "id" = ${id}::uuid
   RETURNING "failedLoginCount", "lockedUntil"`;
    return rows[0] ?? { failedLoginCount: 0, lockedUntil: null };
  }

  recordLoginSuccess(id: string): Promise<User> {
    return this.prisma.user.update({ where: { id }, data: { failedLoginCount: 0, lockedUntil: null, lastLoginAt: new Date() } });
  }

  setPassword(id: string, passwordHash: string, db: Db = this.prisma): Promise<User> {
    return db.user.update({
      where: { id },
      data: { passwordHash, failedLoginCount: 0, lockedUntil: null },
    });
  }
}
