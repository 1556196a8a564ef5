import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsEnum, IsInt, IsString, Length, Matches, Max, Min, ValidateIf } from 'class-validator';
import { AssetCode, type Plan } from '@prisma/client';
import { AMOUNT_PATTERN, formatAmount } from '../assets/amounts';

const RATE_PATTERN = /^\d{1,4}(\.\d{1,4})?$/;

export class CreatePlanDto {
  @ApiProperty({ example: 'Bitcoin 90' }) @IsString() @Length(2, 80) name!: string;

  @ApiProperty({ enum: AssetCode, enumName: 'AssetCode' })
  @IsEnum(AssetCode, { message: `asset must be one of ${Object.values(AssetCode).join(', ')}` })
  asset!: AssetCode;

  @ApiProperty({ example: '0.01' })
  @IsString({ message: 'minAmount must be a decimal string' })
  @Matches(AMOUNT_PATTERN, { message: 'minAmount must be a decimal string like "0.01"' })
  minAmount!: string;

  @ApiPropertyOptional({ type: String, nullable: true, example: '10', description: 'null: no maximum' })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsString({ message: 'maxAmount must be a decimal string or null' })
  @Matches(AMOUNT_PATTERN, { message: 'maxAmount must be a decimal string like "10" or null' })
  maxAmount?: string | null;

  @ApiProperty({ example: '1.5', description: 'Return in percent per 30 days (0.0001–1000, 4 decimals)' })
  @IsString({ message: 'returnPercentPer30Days must be a decimal string' })
  @Matches(RATE_PATTERN, { message: 'returnPercentPer30Days must be a decimal string like "1.5" (4 decimals at most)' })
  returnPercentPer30Days!: string;

  @ApiProperty({ type: 'integer', example: 90, minimum: 1, maximum: 3650 }) @Type(() => Number) @IsInt() @Min(1) @Max(3650) durationDays!: number;

  // Absent: true; null is no boolean (IsOptional would let it through to the database).
  @ApiPropertyOptional({ default: true }) @ValidateIf((_, v) => v !== undefined) @IsBoolean() active?: boolean;
}

/**
 * Every field optional; running investments keep the terms they were made with. `null` is
 * validated like any value (only maxAmount may be null): skipped, it reached the database.
 */
export class UpdatePlanDto extends PartialType(CreatePlanDto, { skipNullProperties: false }) {}

export class QuoteQuery {
  @ApiProperty({ example: '0.5' })
  @IsString()
  @Matches(AMOUNT_PATTERN, { message: 'amount must be a decimal string like "0.5"' })
  amount!: string;
}

export class PlanDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: AssetCode, enumName: 'AssetCode' }) asset!: AssetCode;
  @ApiProperty({ example: '0.01000000' }) minAmount!: string;
  @ApiProperty({ type: String, nullable: true }) maxAmount!: string | null;
  @ApiProperty({ example: '1.5000' }) returnPercentPer30Days!: string;
  @ApiProperty() durationDays!: number;
  @ApiProperty() active!: boolean;
}

export class PlanListDto {
  @ApiProperty({ type: [PlanDto] }) items!: PlanDto[];
}

export class QuoteDto {
  @ApiProperty({ format: 'uuid' }) planId!: string;
  @ApiProperty({ enum: AssetCode, enumName: 'AssetCode' }) asset!: AssetCode;
  @ApiProperty({ example: '0.50000000' }) amount!: string;
  @ApiProperty({ example: '0.00025000', description: 'Earned on each day but the last' }) dailyEarning!: string;
  @ApiProperty({ description: 'Earned on the last day (the rounding remainder included)' }) lastDayEarning!: string;
  @ApiProperty({ description: 'Sum of every day: what the investment earns' }) totalReturn!: string;
  @ApiProperty({ description: 'Principal + totalReturn, paid back by maturity' }) totalPayout!: string;
  @ApiProperty() durationDays!: number;
  @ApiProperty({ type: String, format: 'date', description: 'UTC date of the last accrual, when the principal returns (investing now)' }) maturityDate!: string;
}

export function toPlanDto(p: Plan): PlanDto {
  return {
    id: p.id,
    name: p.name,
    asset: p.asset,
    minAmount: formatAmount(p.asset, p.minAmount),
    maxAmount: p.maxAmount === null ? null : formatAmount(p.asset, p.maxAmount),
    returnPercentPer30Days: p.returnPercentPer30Days.toFixed(4),
    durationDays: p.durationDays,
    active: p.active,
  };
}
