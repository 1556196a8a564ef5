import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, Length, Matches, MaxLength } from 'class-validator';
import { UserDto } from '../../users/user.dto';
import { USER_PASSWORD_RULE } from '../../users/password-hasher';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

class EmailField {
  @ApiProperty({ example: 'ada@example.com', maxLength: 254, description: 'Case and surrounding spaces are ignored' })
  @Transform(trim)
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email!: string;
}

export class RegisterDto extends EmailField {
  @ApiProperty({ minLength: USER_PASSWORD_RULE.min, maxLength: USER_PASSWORD_RULE.max, format: 'password' })
  @IsString()
  @Length(USER_PASSWORD_RULE.min, USER_PASSWORD_RULE.max, { message: `password must be ${USER_PASSWORD_RULE.min} to ${USER_PASSWORD_RULE.max} characters` })
  password!: string;

  @ApiProperty({ example: 'Ada Lovelace', minLength: 1, maxLength: 100 })
  @Transform(trim)
  @IsString()
  @Length(1, 100)
  // eslint-disable-next-line no-control-regex
  @Matches(/^[^\u0000-\u001f\u007f]*$/, { message: 'name must not contain control characters' })
  name!: string;
}

export class VerifyEmailDto extends EmailField {
  @ApiProperty({ example: '042137', pattern: '^[0-9]{6}$', description: 'The 6-digit code from the email' })
  @IsString()
  @Matches(/^\d{6}$/, { message: 'code must be 6 digits' })
  code!: string;
}

export class EmailOnlyDto extends EmailField {}

export class LoginDto extends EmailField {
  @ApiProperty({ format: 'password', maxLength: USER_PASSWORD_RULE.max })
  @IsString()
  @Length(1, USER_PASSWORD_RULE.max)
  password!: string;
}

export class CompletePasswordResetDto extends EmailField {
  @ApiProperty({ description: 'The token from the reset link', minLength: 20, maxLength: 128 })
  @IsString()
  @Length(20, 128)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'token is malformed' })
  token!: string;

  @ApiProperty({ minLength: USER_PASSWORD_RULE.min, maxLength: USER_PASSWORD_RULE.max, format: 'password', description: 'The new password' })
  @IsString()
  @Length(USER_PASSWORD_RULE.min, USER_PASSWORD_RULE.max, { message: `password must be ${USER_PASSWORD_RULE.min} to ${USER_PASSWORD_RULE.max} characters` })
  password!: string;
}

export class MessageDto {
  @ApiProperty({ example: 'If the address can receive email, a message is on its way' }) message!: string;
}

export class SessionDto {
  @ApiProperty({ description: 'Access JWT (HS256); send as Authorization: Bearer' }) accessToken!: string;
  @ApiProperty({ example: 'Bearer' }) tokenType!: 'Bearer';
  @ApiProperty({ example: 900, description: 'Access token lifetime in seconds' }) expiresIn!: number;
  @ApiProperty({ type: UserDto }) user!: UserDto;
}
