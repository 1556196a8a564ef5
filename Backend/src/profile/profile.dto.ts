import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsISO8601, IsString, Length, Matches, ValidateIf } from 'class-validator';
import type { Profile, User } from '@prisma/client';
import { UserDto, toUserDto } from '../users/user.dto';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
// eslint-disable-next-line no-control-regex
const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;

/** Every field optional; `null` clears an optional field. Unknown fields are refused. */
export class UpdateProfileDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 100 })
  @ValidateIf((_o, v) => v !== undefined)
  @Transform(trim)
  @IsString()
  @Length(1, 100)
  @Matches(NO_CONTROL, { message: 'name must not contain control characters' })
  name?: string;

  @ApiPropertyOptional({ type: String, example: '+491701234567', nullable: true, description: 'International format: + and 7 to 15 digits' })
  @ValidateIf((_o, v) => v !== null && v !== undefined)
  @Transform(({ value }) => (typeof value === 'string' ? value.replace(/[\s()-]/g, '') : value))
  @Matches(/^\+[1-9]\d{6,14}$/, { message: 'phone must be in international format, e.g. +491701234567' })
  phone?: string | null;

  @ApiPropertyOptional({ type: String, maxLength: 200, nullable: true })
  @ValidateIf((_o, v) => v !== null && v !== undefined)
  @Transform(trim)
  @IsString()
  @Length(1, 200)
  @Matches(NO_CONTROL, { message: 'addressLine1 must not contain control characters' })
  addressLine1?: string | null;

  @ApiPropertyOptional({ type: String, maxLength: 200, nullable: true })
  @ValidateIf((_o, v) => v !== null && v !== undefined)
  @Transform(trim)
  @IsString()
  @Length(1, 200)
  @Matches(NO_CONTROL, { message: 'addressLine2 must not contain control characters' })
  addressLine2?: string | null;

  @ApiPropertyOptional({ type: String, maxLength: 100, nullable: true })
  @ValidateIf((_o, v) => v !== null && v !== undefined)
  @Transform(trim)
  @IsString()
  @Length(1, 100)
  @Matches(NO_CONTROL, { message: 'city must not contain control characters' })
  city?: string | null;

  @ApiPropertyOptional({ type: String, maxLength: 20, nullable: true })
  @ValidateIf((_o, v) => v !== null && v !== undefined)
  @Transform(trim)
  @IsString()
  @Matches(/^[A-Za-z0-9 -]{2,20}$/, { message: 'postalCode must be 2 to 20 letters, digits, spaces or dashes' })
  postalCode?: string | null;

  @ApiPropertyOptional({ type: String, example: 'DE', description: 'ISO 3166-1 alpha-2', nullable: true })
  @ValidateIf((_o, v) => v !== null && v !== undefined)
  @Transform(({ value }) => (typeof value === 'string' ? value.trim().toUpperCase() : value))
  @Matches(/^[A-Z]{2}$/, { message: 'country must be a two-letter ISO 3166-1 code' })
  country?: string | null;

  @ApiPropertyOptional({ type: String, example: '1990-04-23', format: 'date', nullable: true })
  @ValidateIf((_o, v) => v !== null && v !== undefined)
  @IsISO8601({ strict: true }, { message: 'dateOfBirth must be a date (YYYY-MM-DD)' })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'dateOfBirth must be a date (YYYY-MM-DD)' })
  dateOfBirth?: string | null;
}

/** Personal details; the user sees them in their profile, admins in the user detail. */
export class ProfileFieldsDto {
  @ApiProperty({ type: String, nullable: true }) phone!: string | null;
  @ApiProperty({ type: String, nullable: true }) addressLine1!: string | null;
  @ApiProperty({ type: String, nullable: true }) addressLine2!: string | null;
  @ApiProperty({ type: String, nullable: true }) city!: string | null;
  @ApiProperty({ type: String, nullable: true }) postalCode!: string | null;
  @ApiProperty({ type: String, nullable: true }) country!: string | null;
  @ApiProperty({ type: String, format: 'date', nullable: true }) dateOfBirth!: string | null;
}

export class ProfileDto extends IntersectionType(UserDto, ProfileFieldsDto) {}

export function toProfileFieldsDto(profile: Profile | null): ProfileFieldsDto {
  return {
    phone: profile?.phone ?? null,
    addressLine1: profile?.addressLine1 ?? null,
    addressLine2: profile?.addressLine2 ?? null,
    city: profile?.city ?? null,
    postalCode: profile?.postalCode ?? null,
    country: profile?.country ?? null,
    dateOfBirth: profile?.dateOfBirth ? profile.dateOfBirth.toISOString().slice(0, 10) : null,
  };
}

export function toProfileDto(user: User, profile: Profile | null): ProfileDto {
  return { ...toUserDto(user), ...toProfileFieldsDto(profile) };
}
