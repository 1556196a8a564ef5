import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsOptional, IsString, IsUUID, Matches } from 'class-validator';
import { AssetCode, InvestmentStatus } from '@prisma/client';
import { AMOUNT_PATTERN } from '../assets/amounts';
import { CursorPageQuery } from '../http/page-query';

export class CreateInvestmentDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() planId!: string;

  @ApiProperty({ example: '0.5', description: "A decimal string within the plan's bounds and the asset's decimals" })
  @IsString({ message: 'amount must be a decimal string like "0.5"' })
  @Matches(AMOUNT_PATTERN, { message: 'amount must be a decimal string like "0.5" (at most 18 integer digits)' })
  amount!: string;
}

export class InvestmentDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) planId!: string;
  @ApiProperty() planName!: string;
  @ApiProperty({ enum: AssetCode, enumName: 'AssetCode' }) asset!: AssetCode;
  @ApiProperty({ example: '0.50000000' }) principal!: string;
  @ApiProperty({ example: '1.5000', description: 'Copied from the plan when investing' }) returnPercentPer30Days!: string;
  @ApiProperty() durationDays!: number;
  @ApiProperty() dailyEarning!: string;
  @ApiProperty({ description: 'What the investment earns in all' }) totalEarnings!: string;
  @ApiProperty({ description: 'Earned so far' }) accruedEarnings!: string;
  @ApiProperty({ description: 'Days accrued so far' }) accruedDays!: number;
  @ApiProperty({ type: String, format: 'date', nullable: true, description: 'UTC date of the next accrual; null when completed' }) nextAccrualDate!: string | null;
  @ApiProperty({ enum: InvestmentStatus, enumName: 'InvestmentStatus' }) status!: InvestmentStatus;
  @ApiProperty({ type: String, format: 'date-time' }) startedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', description: 'The last accrual: the principal returns then' }) maturesAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) completedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Set when an admin cancelled it (the principal came back then)' }) cancelledAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) cancellationReason!: string | null;
}

export class InvestmentListDto {
  @ApiProperty({ type: [InvestmentDto] }) items!: InvestmentDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class AdminInvestmentDto extends InvestmentDto {
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The admin who cancelled it' }) cancelledById!: string | null;
}

export class AdminInvestmentListDto {
  @ApiProperty({ type: [AdminInvestmentDto] }) items!: AdminInvestmentDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class AdminListInvestmentsQuery extends CursorPageQuery {
  @ApiPropertyOptional({ enum: InvestmentStatus, enumName: 'InvestmentStatus' })
  @IsOptional()
  @IsEnum(InvestmentStatus, { message: `status must be one of ${Object.values(InvestmentStatus).join(', ')}` })
  status?: InvestmentStatus;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID(undefined, { message: 'userId must be a UUID' })
  userId?: string;
}
