import { Injectable } from '@nestjs/common';
import type { Prisma } from '@prisma/client';
import { PrismaService } from '../database/prisma.service';

/** Every Prisma call on the profile (and the user's own editable name). */
@Injectable()
export class ProfileRepository {
  constructor(private readonly prisma: PrismaService) {}

  findUserWithProfile(userId: string) {
    return this.prisma.user.findUnique({ where: { id: userId }, include: { profile: true } });
  }

  update(userId: string, user: { name?: string }, profile: Omit<Prisma.ProfileUncheckedCreateInput, 'userId'>) {
    return this.prisma.$transaction(async (tx) => {
      if (user.name !== undefined) await tx.user.update({ where: { id: userId }, data: { name: user.name } });
      if (Object.keys(profile).length > 0) {
        await tx.profile.upsert({ where: { userId }, create: { userId, ...profile }, update: profile });
      }
      return tx.user.findUniqueOrThrow({ where: { id: userId }, include: { profile: true } });
    });
  }
}
