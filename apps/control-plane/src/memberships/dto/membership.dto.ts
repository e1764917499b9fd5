import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { TENANT_ROLES, type TenantRole } from '@sluice/auth';
import { ValidateUnlessOnlyOther } from '@sluice/platform/validation';
import { PaginationQueryDto } from '@sluice/platform/openapi';
import { IsEmail, IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { IsPassword } from '../../auth/passwords';

export class CreateMembershipDto {
  /** Tenant id, slug or domain; optional when the caller has one tenant or sends `X-Tenant`. */
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(254) tenant?: string;

  @ApiPropertyOptional() @ValidateUnlessOnlyOther<CreateMembershipDto>('email') @IsUUID() user?: string;
  @ApiPropertyOptional() @ValidateUnlessOnlyOther<CreateMembershipDto>('user') @IsEmail() @MaxLength(254) email?: string;

  @ApiProperty({ enum: TENANT_ROLES }) @IsIn(TENANT_ROLES) role!: TenantRole;

  /** For a new user created by email. */
  @ApiPropertyOptional()
  @IsOptional()
  @IsPassword()
  password?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(150) first_name?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(150) last_name?: string;
}

export class UpdateMembershipDto {
  @ApiPropertyOptional({ enum: TENANT_ROLES }) @IsOptional() @IsIn(TENANT_ROLES) role?: TenantRole;
}

export class ListMembershipsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(254) tenant?: string;
  @ApiPropertyOptional({ enum: TENANT_ROLES }) @IsOptional() @IsIn(TENANT_ROLES) role?: TenantRole;
  @ApiPropertyOptional() @IsOptional() @IsIn(['created_at', '-created_at', 'role', '-role', 'email', '-email']) ordering?: string;
}
