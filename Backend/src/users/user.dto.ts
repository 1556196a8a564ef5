import { ApiProperty } from '@nestjs/swagger';
import { KycStatus, Role, type User } from '@prisma/client';

/** What a user may see about their own account (never hashes or counters). */
export class UserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'ada@example.com' }) email!: string;
  @ApiProperty({ example: 'Ada Lovelace' }) name!: string;
  @ApiProperty({ enum: Role, enumName: 'Role' }) role!: Role;
  @ApiProperty() emailVerified!: boolean;
  @ApiProperty({ enum: KycStatus, enumName: 'KycStatus' }) kycStatus!: KycStatus;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
}

export function toUserDto(user: Pick<User, 'id' | 'email' | 'name' | 'role' | 'emailVerifiedAt' | 'kycStatus' | 'createdAt'>): UserDto {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    emailVerified: user.emailVerifiedAt !== null,
    kycStatus: user.kycStatus,
    createdAt: user.createdAt.toISOString(),
  };
}
