import { ApiProperty } from '@nestjs/swagger';
import { AssetCode, DepositStatus } from '@prisma/client';

export class AssetFiguresDto {
  @ApiProperty({ enum: AssetCode, enumName: 'AssetCode' }) asset!: AssetCode;
  @ApiProperty({ description: "Users' spendable balances: the sum of the ledger" }) available!: string;
  @ApiProperty({ description: 'Held by pending withdrawals (still on the platform)' }) heldForWithdrawals!: string;
  @ApiProperty({ description: 'Principal of active investments' }) invested!: string;
  @ApiProperty({ description: 'available + held + invested: everything the platform keeps for users' }) underManagement!: string;
  @ApiProperty({ description: 'EARNING entries written today (UTC)' }) earningsPaidToday!: string;
}

export class DashboardDto {
  @ApiProperty() users!: number;
  @ApiProperty() verifiedUsers!: number;
  @ApiProperty() kycPending!: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, example: { OPEN: 3, SUBMITTED: 1, CREDITED: 40 } })
  depositsByStatus!: Record<DepositStatus, number>;
  @ApiProperty() withdrawalsPending!: number;
  @ApiProperty() activeInvestments!: number;
  @ApiProperty({ type: [AssetFiguresDto] }) assets!: AssetFiguresDto[];
}
