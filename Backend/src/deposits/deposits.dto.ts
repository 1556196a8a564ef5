import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsOptional, IsString, Length, Matches } from 'class-validator';
import { AssetCode, DepositStatus, type Deposit } from '@prisma/client';
import { AMOUNT_PATTERN, formatAmount } from '../assets/amounts';
import { CursorPageQuery } from '../http/page-query';

export class OpenDepositDto {
  @ApiProperty({ enum: AssetCode, enumName: 'AssetCode' })
  @IsEnum(AssetCode, { message: `asset must be one of ${Object.values(AssetCode).join(', ')}` })
  asset!: AssetCode;

  @ApiProperty({ example: '0.5', description: "Amount you will send, a decimal string with at most the asset's decimals" })
  @IsString({ message: 'amount must be a decimal string like "0.5"' })
  @Matches(AMOUNT_PATTERN, { message: 'amount must be a decimal string like "0.5" (at most 18 integer digits)' })
  amount!: string;
}

export class SubmitTxDto {
  @ApiProperty({ example: '0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060', description: 'Hash of the transaction that sent the funds' })
  @IsString()
  @Length(1, 200)
  txHash!: string;
}

export class RejectDto {
  @ApiProperty({ example: 'Funds sent from a sanctioned address', description: 'Shown to the user' })
  @IsString()
  @Length(3, 500)
  reason!: string;
}

export class ListDepositsQuery extends CursorPageQuery {
  @ApiPropertyOptional({ enum: DepositStatus, enumName: 'DepositStatus' })
  @IsOptional()
  @IsEnum(DepositStatus, { message: `status must be one of ${Object.values(DepositStatus).join(', ')}` })
  status?: DepositStatus;
}

export class DepositDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: AssetCode, enumName: 'AssetCode' }) asset!: AssetCode;
  @ApiProperty({ example: '0.50000000', description: 'What the user said they would send' }) expectedAmount!: string;
  @ApiProperty({ type: String, nullable: true, description: 'What the chain shows as received: the amount credited' }) receivedAmount!: string | null;
  @ApiProperty({ description: 'Platform address to send to' }) address!: string;
  @ApiProperty({ type: String, nullable: true }) txHash!: string | null;
  @ApiProperty({ enum: DepositStatus, enumName: 'DepositStatus' }) status!: DepositStatus;
  @ApiProperty() confirmations!: number;
  @ApiProperty() requiredConfirmations!: number;
  @ApiProperty({ type: String, nullable: true }) rejectionReason!: string | null;
  @ApiProperty({ type: String, format: 'date-time', description: 'An OPEN intent without a hash expires then' }) expiresAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) submittedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) creditedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
}

export class DepositListDto {
  @ApiProperty({ type: [DepositDto] }) items!: DepositDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class AdminDepositDto extends DepositDto {
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty({ type: String, nullable: true, description: 'What the last verifier check said' }) lastCheckResult!: string | null;
  @ApiProperty() checkAttempts!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) nextCheckAt!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) reviewedById!: string | null;
}

export class AdminDepositListDto {
  @ApiProperty({ type: [AdminDepositDto] }) items!: AdminDepositDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function toDepositDto(d: Deposit): DepositDto {
  return {
    id: d.id,
    asset: d.asset,
    expectedAmount: formatAmount(d.asset, d.expectedAmount),
    receivedAmount: d.receivedAmount === null ? null : formatAmount(d.asset, d.receivedAmount),
    address: d.address,
    txHash: d.txHash,
    status: d.status,
    confirmations: d.confirmations,
    requiredConfirmations: d.requiredConfirmations,
    rejectionReason: d.rejectionReason,
    expiresAt: d.expiresAt.toISOString(),
    submittedAt: iso(d.submittedAt),
    creditedAt: iso(d.creditedAt),
    createdAt: d.createdAt.toISOString(),
  };
}

export function toAdminDepositDto(d: Deposit): AdminDepositDto {
  return {
    ...toDepositDto(d),
    userId: d.userId,
    lastCheckResult: d.lastCheckResult,
    checkAttempts: d.checkAttempts,
    nextCheckAt: iso(d.nextCheckAt),
    reviewedById: d.reviewedById,
  };
}

