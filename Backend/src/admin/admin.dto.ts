import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEnum, IsOptional, IsString, MaxLength } from 'class-validator';
import { KycStatus, Role, type AssetCode, type Prisma, type Profile, type User } from '@prisma/client';
import { BalanceDto } from '../accounts/accounts.dto';
import { ASSET_CODES } from '../assets/asset-registry';
import { formatAmount } from '../assets/amounts';
import { PageQuery } from '../http/page-query';
import { ProfileFieldsDto, toProfileFieldsDto } from '../profile/profile.dto';
import { KycSubmissionDto, toKycSubmissionDto } from '../kyc/kyc.dto';
import type { KycSubmission } from '@prisma/client';

export class ListUsersQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Part of the email address (case-insensitive)' })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  @IsString()
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ enum: Role, enumName: 'Role' })
  @IsOptional()
  @IsEnum(Role)
  role?: Role;

  @ApiPropertyOptional({ enum: KycStatus, enumName: 'KycStatus' })
  @IsOptional()
  @IsEnum(KycStatus)
  kycStatus?: KycStatus;
}

export class ListKycQuery extends PageQuery {
  @ApiPropertyOptional({ enum: KycStatus, enumName: 'KycStatus', default: KycStatus.PENDING })
  @IsOptional()
  @IsEnum(KycStatus)
  status?: KycStatus;
}

/** What an admin sees about a user: never a password hash, code or token. */
export class AdminUserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() email!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: Role, enumName: 'Role' }) role!: Role;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) emailVerifiedAt!: string | null;
  @ApiProperty({ enum: KycStatus, enumName: 'KycStatus' }) kycStatus!: KycStatus;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastLoginAt!: string | null;
  @ApiProperty() failedLoginCount!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lockedUntil!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
}

export class AdminUserDetailDto extends AdminUserDto {
  @ApiProperty({ type: ProfileFieldsDto, nullable: true }) profile!: ProfileFieldsDto | null;
  @ApiProperty({ type: [KycSubmissionDto] }) kycSubmissions!: KycSubmissionDto[];
  @ApiProperty({ type: [BalanceDto], description: 'Spendable balance per asset (zero included), from the ledger' }) balances!: BalanceDto[];
}

export class AdminUserListDto {
  @ApiProperty({ type: [AdminUserDto] }) items!: AdminUserDto[];
  @ApiProperty() total!: number;
}

export class AdminKycUserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() email!: string;
  @ApiProperty() name!: string;
}

export class AdminKycSubmissionDto extends KycSubmissionDto {
  @ApiProperty({ type: AdminKycUserDto }) user!: AdminKycUserDto;
}

export class AdminKycListDto {
  @ApiProperty({ type: [AdminKycSubmissionDto] }) items!: AdminKycSubmissionDto[];
  @ApiProperty() total!: number;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function toAdminUserDto(u: User): AdminUserDto {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    emailVerifiedAt: iso(u.emailVerifiedAt),
    kycStatus: u.kycStatus,
    lastLoginAt: iso(u.lastLoginAt),
    failedLoginCount: u.failedLoginCount,
    lockedUntil: iso(u.lockedUntil),
    createdAt: u.createdAt.toISOString(),
  };
}

export function toAdminUserDetailDto(
  u: User & { profile: Profile | null; kycSubmissions: KycSubmission[]; accounts: { asset: AssetCode; balance: Prisma.Decimal }[] },
): AdminUserDetailDto {
  const held = new Map(u.accounts.map((a) => [a.asset, a.balance]));
  return {
    ...toAdminUserDto(u),
    profile: u.profile ? toProfileFieldsDto(u.profile) : null,
    kycSubmissions: u.kycSubmissions.map((s) => toKycSubmissionDto(s, { mask: false })),
    balances: ASSET_CODES.map((asset) => ({ asset, balance: formatAmount(asset, held.get(asset) ?? '0') })),
  };
}
