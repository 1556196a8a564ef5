import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEnum, IsString, Length, Matches } from 'class-validator';
import { KycStatus, type KycSubmission } from '@prisma/client';

export enum KycDocumentType {
  PASSPORT = 'PASSPORT',
  NATIONAL_ID = 'NATIONAL_ID',
  DRIVERS_LICENSE = 'DRIVERS_LICENSE',
}

export class SubmitKycDto {
  @ApiProperty({ enum: KycDocumentType, enumName: 'KycDocumentType' })
  @IsEnum(KycDocumentType, { message: `documentType must be one of ${Object.values(KycDocumentType).join(', ')}` })
  documentType!: KycDocumentType;

  @ApiProperty({ example: 'C01X00T47', minLength: 4, maxLength: 40 })
  @Transform(({ value }) => (typeof value === 'string' ? value.trim().toUpperCase() : value))
  @IsString()
  @Matches(/^[A-Z0-9-]{4,40}$/, { message: 'documentNumber must be 4 to 40 letters, digits or dashes' })
  documentNumber!: string;
}

export class KycSubmissionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: KycDocumentType, enumName: 'KycDocumentType' }) documentType!: string;
  @ApiProperty({ example: '*****T47', description: 'Masked: only the last 3 characters are shown' }) documentNumber!: string;
  @ApiProperty({ enum: KycStatus, enumName: 'KycStatus' }) status!: KycStatus;
  @ApiProperty({ type: String, nullable: true }) decisionReason!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) reviewedAt!: string | null;
}

export class KycStatusDto {
  @ApiProperty({ enum: KycStatus, enumName: 'KycStatus' }) status!: KycStatus;
  @ApiPropertyOptional({ type: KycSubmissionDto, nullable: true }) latestSubmission!: KycSubmissionDto | null;
}

export class KycDecisionDto {
  @ApiProperty({ example: 'Document expired', minLength: 3, maxLength: 500, description: 'Shown to the user' })
  @Transform(({ value }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @Length(3, 500)
  // eslint-disable-next-line no-control-regex
  @Matches(/^[^\u0000-\u0008\u000b-\u001f\u007f]*$/, { message: 'reason must not contain control characters' })
  reason!: string;
}

export function maskDocumentNumber(value: string): string {
  return `${'*'.repeat(Math.max(0, value.length - 3))}${value.slice(-3)}`;
}

export function toKycSubmissionDto(s: KycSubmission, options: { mask: boolean }): KycSubmissionDto {
  return {
    id: s.id,
    documentType: s.documentType,
    documentNumber: options.mask ? maskDocumentNumber(s.documentNumber) : s.documentNumber,
    status: s.status,
    decisionReason: s.decisionReason,
    createdAt: s.createdAt.toISOString(),
    reviewedAt: s.reviewedAt?.toISOString() ?? null,
  };
}
