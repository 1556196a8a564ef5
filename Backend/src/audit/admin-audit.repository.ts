import { Injectable } from '@nestjs/common';
import type { Prisma } from '@prisma/client';
import type { Db } from '../users/users.repository';

/** Writes the append-only admin audit trail (inside the transaction of the action it records). */
@Injectable()
export class AdminAuditRepository {
  async record(db: Db, entry: { adminId: string; action: string; targetType: string; targetId: string; metadata?: Prisma.InputJsonValue }): Promise<void> {
    await db.adminAuditLog.create({ data: entry });
  }
}
