import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { invalidField } from '../errors/error-body';

/** Page size, shared by both pagination styles. */
class LimitQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

/**
 * Deepest offset a list accepts. Bounded so a huge number is a 400 naming `offset`, not a
 * query the database refuses (500); deeper pages than this want a filter, not paging.
 */
export const MAX_OFFSET = 100_000;

/** The offset pagination query (lists whose order can shift use CursorPageQuery). */
export class PageQuery extends LimitQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: MAX_OFFSET, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_OFFSET)
  offset?: number;
}

/** What a cursor looks like (base64url); one that decodes to no position is a 400 too. */
const CURSOR_PATTERN = /^[A-Za-z0-9_-]{1,200}$/;

/** The one cursor pagination query (newest first); the cursor is opaque to clients. */
export class CursorPageQuery extends LimitQuery {
  @ApiPropertyOptional({ description: 'nextCursor of the previous page', pattern: CURSOR_PATTERN.source })
  @IsOptional()
  @Matches(CURSOR_PATTERN, { message: 'cursor must be a nextCursor value from a previous page' })
  cursor?: string;
}

export function encodeCursor(parts: string[]): string {
  return Buffer.from(parts.join('|')).toString('base64url');
}

/** The parts of a cursor made by encodeCursor, checked by `valid`; a 400 naming cursor otherwise. */
export function decodeCursor(cursor: string, valid: (parts: string[]) => boolean): string[] {
  const parts = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!valid(parts)) {
    throw invalidField('cursor', 'cursor must be a nextCursor value from a previous page');
  }
  return parts;
}

/** Position in a list ordered by (createdAt desc, id desc). */
export interface TimeCursor {
  createdAt: Date;
  id: string;
}

export function decodeTimeCursor(cursor: string | undefined): TimeCursor | undefined {
  if (!cursor) return undefined;
  const [at, id] = decodeCursor(cursor, (p) => p.length === 2 && !Number.isNaN(Date.parse(p[0]!)) && /^[0-9a-f-]{36}$/.test(p[1]!));
  return { createdAt: new Date(at!), id: id! };
}

/** Rows were read with limit + 1: a cursor to the next page when there is one. */
export function nextTimeCursor(rows: TimeCursor[], limit: number): string | null {
  const last = rows[limit - 1];
  return rows.length > limit && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null;
}

/** Prisma `where` for the rows after `before` in (timeField desc, id desc) order. */
export function afterTimeCursor<K extends string = 'createdAt'>(before: TimeCursor | undefined, timeField: K = 'createdAt' as K) {
  if (!before) return {};
  const earlier = { [timeField]: { lt: before.createdAt } } as Record<K, { lt: Date }>;
  const sameTime = { [timeField]: before.createdAt, id: { lt: before.id } } as Record<K, Date> & { id: { lt: string } };
  return { OR: [earlier, sameTime] };
}
