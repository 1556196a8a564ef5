import { Injectable } from '@nestjs/common';
import type { Prisma, Trade } from '@prisma/client';
import { PrismaService } from '../database/prisma.service';
import { afterTimeCursor, type TimeCursor } from '../http/page-query';

/** Every query on the trade journal; always scoped to the owner. */
@Injectable()
export class TradesRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(data: Prisma.TradeUncheckedCreateInput): Promise<Trade> {
    return this.prisma.trade.create({ data });
  }

  list(userId: string, page: { limit: number; before?: TimeCursor }): Promise<Trade[]> {
    return this.prisma.trade.findMany({
      where: { userId, ...afterTimeCursor(page.before) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: page.limit,
    });
  }
}
