import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsOptional, IsString, Length, Matches } from 'class-validator';
import { AssetCode, WithdrawalStatus, type Withdrawal } from '@prisma/client';
import { AMOUNT_PATTERN, formatAmount } from '../assets/amounts';
import { CursorPageQuery } from '../http/page-query';

export class RequestWithdrawalDto {
  @ApiProperty({ enum: AssetCode, enumName: 'AssetCode' })
  @IsEnum(AssetCode, { message: `asset must be one of ${Object.values(AssetCode).join(', ')}` })
  asset!: AssetCode;

  @ApiProperty({ example: '0.25', description: "A decimal string with at most the asset's decimals" })
  @IsString({ message: 'amount must be a decimal string like "0.5"' })
  @Matches(AMOUNT_PATTERN, { message: 'amount must be a decimal string like "0.5" (at most 18 integer digits)' })
  amount!: string;

  @ApiProperty({ example: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq', description: "Destination address on the asset's network" })
  @IsString()
  @Length(1, 200)
  address!: string;
}

export class ApproveWithdrawalDto {
  @ApiProperty({ description: 'Hash of the payout transaction the platform sent' })
  @IsString()
  @Length(1, 200)
  payoutTxHash!: string;
}

export class ListWithdrawalsQuery extends CursorPageQuery {
  @ApiPropertyOptional({ enum: WithdrawalStatus, enumName: 'WithdrawalStatus' })
  @IsOptional()
  @IsEnum(WithdrawalStatus, { message: `status must be one of ${Object.values(WithdrawalStatus).join(', ')}` })
  status?: WithdrawalStatus;
}

export class WithdrawalDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: AssetCode, enumName: 'AssetCode' }) asset!: AssetCode;
  @ApiProperty({ example: '0.25000000' }) amount!: string;
  @ApiProperty() address!: string;
  @ApiProperty({ enum: WithdrawalStatus, enumName: 'WithdrawalStatus' }) status!: WithdrawalStatus;
  @ApiProperty({ type: String, nullable: true }) payoutTxHash!: string | null;
  @ApiProperty({ type: String, nullable: true }) rejectionReason!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) reviewedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) cancelledAt!: string | null;
}

export class WithdrawalListDto {
  @ApiProperty({ type: [WithdrawalDto] }) items!: WithdrawalDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class AdminWithdrawalDto extends WithdrawalDto {
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) reviewedById!: string | null;
}

export class AdminWithdrawalListDto {
  @ApiProperty({ type: [AdminWithdrawalDto] }) items!: AdminWithdrawalDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export function toWithdrawalDto(w: Withdrawal): WithdrawalDto {
  return {
    id: w.id,
    asset: w.asset,
    amount: formatAmount(w.asset, w.amount),
    address: w.destinationAddress,
    status: w.status,
    payoutTxHash: w.payoutTxHash,
    rejectionReason: w.rejectionReason,
    createdAt: w.createdAt.toISOString(),
    reviewedAt: w.reviewedAt?.toISOString() ?? null,
    cancelledAt: w.cancelledAt?.toISOString() ?? null,
  };
}

export function toAdminWithdrawalDto(w: Withdrawal): AdminWithdrawalDto {
  return { ...toWithdrawalDto(w), userId: w.userId, reviewedById: w.reviewedById };
}
