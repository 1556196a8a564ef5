import { ApiProperty } from '@nestjs/swagger';
import { AssetCode, LedgerEntryType } from '@prisma/client';

export class BalanceDto {
  @ApiProperty({ enum: AssetCode, enumName: 'AssetCode' }) asset!: AssetCode;
  @ApiProperty({ example: '0.50000000', description: "What can be spent now (pending withdrawal holds are already deducted), with the asset's decimals" })
  balance!: string;
}

export class BalanceListDto {
  @ApiProperty({ type: [BalanceDto] }) items!: BalanceDto[];
}

export class LedgerEntryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: LedgerEntryType, enumName: 'LedgerEntryType' }) type!: LedgerEntryType;
  @ApiProperty({ example: '-0.25000000', description: 'Signed amount' }) amount!: string;
  @ApiProperty({ example: '0.25000000', description: 'Balance right after this entry' }) balanceAfter!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) depositId!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) withdrawalId!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) investmentId!: string | null;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
}

export class LedgerPageDto {
  @ApiProperty({ type: [LedgerEntryDto] }) items!: LedgerEntryDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next (older) page; null on the last page' })
  nextCursor!: string | null;
}
