import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ValidateUnlessOnlyOther } from '@sluice/platform/validation';
import { PaginationQueryDto } from '@sluice/platform/openapi';
import type { PersonalTokenScope } from '@sluice/control-plane/data-access';
import { ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsDateString, IsEmail, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { IsPassword, MIN_PASSWORD_LENGTH } from '../../auth/passwords';
import { DOMAIN_PATTERN } from '../../tenants/dto/tenant.dto';

/** A username: letters, digits, `.`, `_` and `-`, never `@` (so it cannot be read as an email). */
export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{2,149}$/;

/** The tenant a sign-in binds its session to, by slug or domain. */
const TENANT_REFERENCE_PATTERN = /^[A-Za-z0-9.-]{1,253}$/;

class SignInNameDto {
  /** A username, or an email (older clients send the email as `username`): docs/decisions.md, Usernames. */
  @ApiPropertyOptional() @ValidateUnlessOnlyOther<SignInNameDto>('email') @IsString() @MinLength(1) @MaxLength(254) username?: string;
  @ApiPropertyOptional() @ValidateUnlessOnlyOther<SignInNameDto>('username') @IsString() @MinLength(1) @MaxLength(254) email?: string;
}

class OptionalTenantDto extends SignInNameDto {
  /** Binds the session to this tenant (slug or domain); the user must belong to it. */
  @ApiPropertyOptional({ description: 'Slug or domain of a tenant the user belongs to: the session then acts in that tenant only.' })
  @IsOptional()
  @IsString()
  @Matches(TENANT_REFERENCE_PATTERN, { message: 'tenant_domain must be a tenant slug or domain' })
  tenant_domain?: string;
}

export class LoginDto extends OptionalTenantDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(256) password!: string;
}

/** The older API's tenant sign-in: the tenant is required. */
export class TenantLoginDto extends SignInNameDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(256) password!: string;

  @ApiProperty({ description: 'Slug or domain of a tenant the user belongs to.' })
  @IsString()
  @Matches(TENANT_REFERENCE_PATTERN, { message: 'tenant_domain must be a tenant slug or domain' })
  tenant_domain!: string;
}

export class CodeSignInDto extends OptionalTenantDto {
  @ApiProperty({ description: 'The 6-digit code mailed by `POST /api/auth/validate-email/`.' })
  @IsString()
  @Matches(/^\d{6}$/, { message: 'verification_code must be 6 digits' })
  verification_code!: string;
}

export class ValidateEmailDto {
  @ApiProperty() @IsEmail() @MaxLength(254) email!: string;
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
  @Matches(/^(?!auth$)[a-z0-9-]{3,63}$/, { message: 'tenant_slug must be 3-63 lower-case letters, digits or dashes, and not a reserved word (auth)' })
  tenant_slug?: string;

  @ApiPropertyOptional({ description: "The new tenant's domain (acme.example.com); a domain already taken is 409." })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  @Matches(DOMAIN_PATTERN, { message: 'tenant_domain must be a host name such as acme.example.com' })
  tenant_domain?: string;

  @ApiPropertyOptional({ description: 'A username to sign in with besides the email.' })
  @IsOptional()
  @IsString()
  @Matches(USERNAME_PATTERN, { message: 'username must be 3-150 letters, digits, dots, dashes or underscores, starting with a letter or digit' })
  username?: string;

  @ApiPropertyOptional({ description: 'The code mailed to `email` by `POST /api/auth/validate-email/`; required when the platform verifies emails.' })
  @IsOptional()
  @IsString()
  @Matches(/^\d{6}$/, { message: 'verification_code must be 6 digits' })
  verification_code?: string;
}

export class UpdateProfileDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(150) first_name?: string;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'A username to sign in with besides the email; null removes it.' })
  @IsOptional()
  @IsString()
  @Matches(USERNAME_PATTERN, { message: 'username must be 3-150 letters, digits, dots, dashes or underscores, starting with a letter or digit' })
  username?: string | null;
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

export class DeleteAccountDto {
  @ApiProperty({ description: 'Your current password.' }) @IsString() @MinLength(1) @MaxLength(256) password!: string;
  @ApiProperty({ enum: ['DELETE'], description: 'The word DELETE, to show this is meant.' }) @IsIn(['DELETE'], { message: 'confirm must be the word DELETE' }) confirm!: 'DELETE';
}
