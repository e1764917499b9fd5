import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PaginationQueryDto, ValidateUnlessOnlyOther } from '@sluice/platform';
import { IsDateString, IsEmail, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { IsPassword, MIN_PASSWORD_LENGTH } from '../passwords';

export class LoginDto {
  /** Seed 000 sends `username`; Sluice's usernames are emails, so either field names the account. */
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

export class CreatePersonalTokenDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(150) name!: string;
  @ApiPropertyOptional() @IsOptional() @IsDateString({ strict: true }) expires_at?: string;
}

export class ListPersonalTokensQueryDto extends PaginationQueryDto {}
