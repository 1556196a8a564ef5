import { Injectable } from '@nestjs/common';
import type { Plan, Prisma } from '@prisma/client';
import { PrismaService } from '../database/prisma.service';
import type { Db } from '../users/users.repository';

/** Every query on plans. */
@Injectable()
export class PlansRepository {
  constructor(private readonly prisma: PrismaService) {}

  prismaTransaction<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(fn);
  }

  listActive(): Promise<Plan[]> {
    return this.prisma.plan.findMany({ where: { active: true }, orderBy: [{ minAmount: 'asc' }, { name: 'asc' }] });
  }

  listAll(): Promise<Plan[]> {
    return this.prisma.plan.findMany({ orderBy: [{ active: 'desc' }, { minAmount: 'asc' }, { name: 'asc' }] });
  }

  find(id: string, db: Db = this.prisma): Promise<Plan | null> {
    return db.plan.findUnique({ where: { id } });
  }

  create(data: Prisma.PlanCreateInput, db: Db = this.prisma): Promise<Plan> {
    return db.plan.create({ data });
  }

  update(id: string, data: Prisma.PlanUpdateInput, db: Db = this.prisma): Promise<Plan> {
    return db.plan.update({ where: { id }, data });
  }
}
