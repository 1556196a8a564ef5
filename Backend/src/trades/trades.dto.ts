import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsDateString, IsEnum, IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { TradeSide, type Trade } from '@prisma/client';
import { CursorPageQuery } from '../http/page-query';

const POSITIVE = /^(0|[1-9]\d{0,17})(\.\d{1,18})?$/;
const SIGNED = /^-?(0|[1-9]\d{0,17})(\.\d{1,18})?$/;

export class CreateTradeDto {
  @ApiProperty({ example: 'BTC', description: 'Symbol, 2–12 letters or digits (stored upper-case)' })
  @IsString()
  @Transform(({ value }) => (typeof value === 'string' ? value.trim().toUpperCase() : value))
  @Matches(/^[A-Z0-9]{2,12}$/, { message: 'coin must be a symbol of 2 to 12 letters or digits' })
  coin!: string;

  @ApiProperty({ enum: TradeSide, enumName: 'TradeSide' })
  @IsEnum(TradeSide, { message: 'side must be BUY or SELL' })
  side!: TradeSide;

  @ApiProperty({ example: '64250.5', description: 'Decimal string > 0' })
  @IsString({ message: 'price must be a decimal string' })
  @Matches(POSITIVE, { message: 'price must be a decimal string like "64250.5"' })
  price!: string;

  @ApiProperty({ example: '0.01', description: 'Decimal string > 0' })
  @IsString({ message: 'size must be a decimal string' })
  @Matches(POSITIVE, { message: 'size must be a decimal string like "0.01"' })
  size!: string;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-20T14:03:00Z' })
  @IsDateString({ strict: true }, { message: 'tradedAt must be an ISO 8601 date-time' })
  tradedAt!: string;

  @ApiPropertyOptional({ type: String, nullable: true, example: '-12.5', description: 'Realized profit (positive) or loss (negative), a decimal string' })
  @IsOptional()
  @IsString({ message: 'result must be a decimal string' })
  @Matches(SIGNED, { message: 'result must be a signed decimal string like "-12.5"' })
  result?: string | null;

  @ApiPropertyOptional({ type: String, maxLength: 500, nullable: true }) @IsOptional() @IsString() @MaxLength(500) notes?: string | null;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true, description: 'Free-form JSON object, at most 4 KB (null: none)' })
  @IsOptional()
  @IsObject({ message: 'metadata must be a JSON object' })
  metadata?: Record<string, unknown> | null;
}

export class TradeDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() coin!: string;
  @ApiProperty({ enum: TradeSide, enumName: 'TradeSide' }) side!: TradeSide;
  @ApiProperty() price!: string;
  @ApiProperty() size!: string;
  @ApiProperty({ type: String, nullable: true }) result!: string | null;
  @ApiProperty({ type: String, nullable: true }) notes!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) metadata!: Record<string, unknown> | null;
  @ApiProperty({ type: String, format: 'date-time' }) tradedAt!: string;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
}

export class TradeListDto {
  @ApiProperty({ type: [TradeDto] }) items!: TradeDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class ListTradesQuery extends CursorPageQuery {}

/** Decimal columns come back with 18 decimals; the journal shows them without trailing zeros. */
const plain = (d: { toString(): string }) => d.toString();

export function toTradeDto(t: Trade): TradeDto {
  return {
    id: t.id,
    coin: t.coin,
    side: t.side,
    price: plain(t.price),
    size: plain(t.size),
    result: t.result === null ? null : plain(t.result),
    notes: t.notes,
    metadata: (t.metadata as Record<string, unknown> | null) ?? null,
    tradedAt: t.tradedAt.toISOString(),
    createdAt: t.createdAt.toISOString(),
  };
}
