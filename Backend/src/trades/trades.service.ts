import { Injectable } from '@nestjs/common';
import type { Prisma } from '@prisma/client';
import { invalidField } from '../errors/error-body';
import { decodeTimeCursor, nextTimeCursor } from '../http/page-query';
import { TradesRepository } from './trades.repository';
import { toTradeDto, type CreateTradeDto, type TradeDto, type TradeListDto } from './trades.dto';

/** Bounds the JSON a user can store (the database refuses more too). */
export const MAX_METADATA_BYTES = 4096;

/** The trade journal: a user's own record of trades (no money moves). */
@Injectable()
export class TradesService {
  constructor(private readonly repo: TradesRepository) {}

  async record(userId: string, input: CreateTradeDto): Promise<TradeDto> {
    if (Number(input.price) <= 0) throw invalidField('price', 'price must be greater than 0');
    if (Number(input.size) <= 0) throw invalidField('size', 'size must be greater than 0');
    if (input.metadata && Buffer.byteLength(JSON.stringify(input.metadata)) > MAX_METADATA_BYTES) {
      throw invalidField('metadata', `metadata must be at most ${MAX_METADATA_BYTES} bytes of JSON`);
    }
    const tradedAt = new Date(input.tradedAt);
    if (tradedAt.getTime() > Date.now() + 5 * 60_000) throw invalidField('tradedAt', 'tradedAt cannot be in the future');
    const trade = await this.repo.create({
      userId,
      coin: input.coin,
      side: input.side,
      price: input.price,
      size: input.size,
      result: input.result,
      notes: input.notes,
      // `null` (allowed: the field is optional) is no metadata: SQL NULL, not a JSON null the
      // database's object-only check refuses.
      metadata: (input.metadata ?? undefined) as Prisma.InputJsonObject | undefined,
      tradedAt,
    });
    return toTradeDto(trade);
  }

  async list(userId: string, query: { limit?: number; cursor?: string }): Promise<TradeListDto> {
    const limit = query.limit ?? 50;
    const rows = await this.repo.list(userId, { limit: limit + 1, before: decodeTimeCursor(query.cursor) });
    return { items: rows.slice(0, limit).map(toTradeDto), nextCursor: nextTimeCursor(rows, limit) };
  }
}
