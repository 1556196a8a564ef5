import { Injectable } from '@nestjs/common';
import type { KycStatus, Prisma, Role } from '@prisma/client';
import { PrismaService } from '../database/prisma.service';

/** Prisma calls of the admin user views. */
@Injectable()
export class AdminRepository {
  constructor(private readonly prisma: PrismaService) {}

  listUsers(filter: { email?: string; role?: Role; kycStatus?: KycStatus; limit: number; offset: number }) {
    const where: Prisma.UserWhereInput = {
      ...(filter.email ? { email: { contains: filter.email } } : {}),
      ...(filter.role ? { role: filter.role } : {}),
      ...(filter.kycStatus ? { kycStatus: filter.kycStatus } : {}),
    };
    return this.prisma.$transaction([
      this.prisma.user.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], take: filter.limit, skip: filter.offset }),
      this.prisma.user.count({ where }),
    ]);
  }

  userDetail(id: string) {
    return this.prisma.user.findUnique({
      where: { id },
      include: { profile: true, kycSubmissions: { orderBy: { createdAt: 'desc' } }, accounts: { select: { asset: true, balance: true } } },
    });
  }
}
