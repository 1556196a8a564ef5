import { Injectable } from '@nestjs/common';
import { KycStatus, Prisma, type KycSubmission } from '@prisma/client';
import { PrismaService } from '../database/prisma.service';

/** Every Prisma call on KYC submissions and the user's KYC status. */
@Injectable()
export class KycRepository {
  constructor(readonly prisma: PrismaService) {}

  transaction<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(fn);
  }

  /** NOT_SUBMITTED or REJECTED → PENDING, only once even under concurrent submissions. */
  async moveUserToPending(userId: string, tx: Prisma.TransactionClient): Promise<boolean> {
    const { count } = await tx.user.updateMany({
      where: { id: userId, kycStatus: { in: [KycStatus.NOT_SUBMITTED, KycStatus.REJECTED] } },
      data: { kycStatus: KycStatus.PENDING },
    });
    return count === 1;
  }

  createSubmission(userId: string, documentType: string, documentNumber: string, tx: Prisma.TransactionClient): Promise<KycSubmission> {
    return tx.kycSubmission.create({ data: { userId, documentType, documentNumber, status: KycStatus.PENDING } });
  }

  findUser(userId: string) {
    return this.prisma.user.findUnique({ where: { id: userId }, select: { kycStatus: true } });
  }

  latestForUser(userId: string): Promise<KycSubmission | null> {
    return this.prisma.kycSubmission.findFirst({ where: { userId }, orderBy: { createdAt: 'desc' } });
  }

  list(options: { status?: KycStatus; limit: number; offset: number }) {
    const where = options.status ? { status: options.status } : {};
    return this.prisma.$transaction([
      this.prisma.kycSubmission.findMany({
        where,
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        take: options.limit,
        skip: options.offset,
        include: { user: { select: { id: true, email: true, name: true } } },
      }),
      this.prisma.kycSubmission.count({ where }),
    ]);
  }

  findById(id: string) {
    return this.prisma.kycSubmission.findUnique({ where: { id }, include: { user: { select: { id: true, email: true, name: true } } } });
  }

  /** PENDING → decision, only once: a second admin deciding concurrently gets false. */
  async decide(id: string, status: KycStatus, reason: string | null, reviewerId: string, tx: Prisma.TransactionClient): Promise<boolean> {
    const { count } = await tx.kycSubmission.updateMany({
      where: { id, status: KycStatus.PENDING },
      data: { status, decisionReason: reason, reviewedById: reviewerId, reviewedAt: new Date() },
    });
    return count === 1;
  }

  setUserStatus(userId: string, status: KycStatus, tx: Prisma.TransactionClient) {
    return tx.user.update({ where: { id: userId }, data: { kycStatus: status } });
  }
}
