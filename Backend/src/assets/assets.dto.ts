import { ApiProperty } from '@nestjs/swagger';
import { AssetCode } from '@prisma/client';

export class AssetDto {
  @ApiProperty({ enum: AssetCode, enumName: 'AssetCode' }) code!: AssetCode;
  @ApiProperty({ example: 8, description: 'Amounts of this asset have at most this many decimals' }) decimals!: number;
  @ApiProperty({ example: 'bitcoin' }) network!: string;
  @ApiProperty({ example: 3, description: 'Confirmations before a deposit is credited' }) requiredConfirmations!: number;
  @ApiProperty({ example: '0.0001' }) minDeposit!: string;
  @ApiProperty({ example: '0.0005' }) minWithdrawal!: string;
}

export class AssetListDto {
  @ApiProperty({ type: [AssetDto] }) items!: AssetDto[];
}
