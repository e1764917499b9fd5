import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PaginationQueryDto, ValidateUnlessOnlyOther } from '@sluice/platform';
import type { PersonalTokenScope } from '@sluice/control-plane/data-access';
import { ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsDateString, IsEmail, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { IsPassword, MIN_PASSWORD_LENGTH } from '../../auth/passwords';

export class LoginDto {
  /** Older clients send `username`; Sluice's usernames are emails, so either field names the account (docs/decisions.md). */
  @ApiPropertyOptional() @ValidateUnlessOnlyOther<LoginDto>('email') @IsString() @MinLength(1) @MaxLength(254) username?: string;
  @ApiPropertyOptional() @ValidateUnlessOnlyOther<LoginDto>('username') @IsString() @MinLength(1) @MaxLength(254) email?: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(256) password!: string;
}

export class RefreshDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(200) refresh!: string;
}

export class RegisterDto {
  @ApiProperty() @IsEmail() @MaxLength(254) email!: string;

  @ApiProperty({ minLength: MIN_PASSWORD_LENGTH })
  @IsPassword()
  password!: string;

  @ApiProperty() @IsString() @MaxLength(256) password_confirm!: string;
  @ApiProperty() @IsString() @MaxLength(150) first_name!: string;
  @ApiProperty() @IsString() @MaxLength(150) last_name!: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(200) tenant_name!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9-]{3,63}$/, { message: 'tenant_slug must match ^[a-z0-9-]{3,63}$' })
  tenant_slug?: string;
}

export class UpdateProfileDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(150) first_name?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(150) last_name?: string;
  @ApiPropertyOptional() @IsOptional() @IsEmail() @MaxLength(254) email?: string;

  @ApiPropertyOptional({ minLength: MIN_PASSWORD_LENGTH })
  @IsOptional()
  @IsPassword()
  password?: string;

  /** Required when changing `email` or `password`. */
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(256) current_password?: string;
}

export const PERSONAL_TOKEN_SCOPES = ['read', 'write'] as const;

export class CreatePersonalTokenDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(150) name!: string;
  @ApiPropertyOptional() @IsOptional() @IsDateString({ strict: true }) expires_at?: string;

  /** An alternative to `expires_at`, from now. */
  @ApiPropertyOptional({ minimum: 1, maximum: 3650 }) @IsOptional() @IsInt() @Min(1) @Max(3650) expires_in_days?: number;

  /** `read` (safe methods only) and/or `write`; default both. The token never exceeds its user's roles. */
  @ApiPropertyOptional({ enum: PERSONAL_TOKEN_SCOPES, isArray: true, default: PERSONAL_TOKEN_SCOPES })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(PERSONAL_TOKEN_SCOPES, { each: true })
  scopes?: PersonalTokenScope[];

  /** A password change ends the user's tokens unless they were created with this set. */
  @ApiPropertyOptional({ default: false }) @IsOptional() @IsBoolean() survive_password_change?: boolean;
}

export class ListPersonalTokensQueryDto extends PaginationQueryDto {}
