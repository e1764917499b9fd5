import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { EnvBoolean, IsOptionalNotNull } from '@sluice/platform/validation';
import { PaginationQueryDto } from '@sluice/platform/openapi';
import { IsBoolean, IsEmail, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsPassword, MIN_PASSWORD_LENGTH } from '../../auth/passwords';

const USER_ORDERINGS = ['email', 'first_name', 'last_name', 'created_at', 'last_login_at'].flatMap((field) => [field, `-${field}`]);

export class PasswordField {
  @ApiProperty({ minLength: MIN_PASSWORD_LENGTH })
  @IsPassword()
  password!: string;
}

export class CreateUserDto extends PasswordField {
  @ApiProperty() @IsEmail() @MaxLength(254) email!: string;
  @ApiPropertyOptional() @IsOptionalNotNull() @IsString() @MaxLength(150) first_name?: string;
  @ApiPropertyOptional() @IsOptionalNotNull() @IsString() @MaxLength(150) last_name?: string;
  @ApiPropertyOptional() @IsOptionalNotNull() @IsBoolean() is_platform_admin?: boolean;
  @ApiPropertyOptional() @IsOptionalNotNull() @IsBoolean() is_active?: boolean;
}

export class UpdateUserDto {
  @ApiPropertyOptional() @IsOptionalNotNull() @IsEmail() @MaxLength(254) email?: string;
  @ApiPropertyOptional() @IsOptionalNotNull() @IsString() @MaxLength(150) first_name?: string;
  @ApiPropertyOptional() @IsOptionalNotNull() @IsString() @MaxLength(150) last_name?: string;
  @ApiPropertyOptional() @IsOptionalNotNull() @IsBoolean() is_platform_admin?: boolean;
  @ApiPropertyOptional() @IsOptionalNotNull() @IsBoolean() is_active?: boolean;

  @ApiPropertyOptional({ minLength: MIN_PASSWORD_LENGTH })
  @IsOptional()
  @IsPassword()
  password?: string;
}

export class ListUsersQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) search?: string;
  @ApiPropertyOptional() @IsOptional() @EnvBoolean() @IsBoolean() is_active?: boolean;
  @ApiPropertyOptional({ enum: USER_ORDERINGS }) @IsOptional() @IsIn(USER_ORDERINGS) ordering?: string;
}
