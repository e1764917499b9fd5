import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptionalNotNull } from '@sluice/platform/validation';
import { PaginationQueryDto } from '@sluice/platform/openapi';
import { Type } from 'class-transformer';
import { IsEmail, IsIn, IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateIf, ValidateNested } from 'class-validator';
import { IsBoundedSettings } from '../settings-bounds';

/** `auth` is taken by `POST /api/tenants/auth/` (tenant sign-in), so no tenant may be called that. */
export const SLUG_PATTERN = /^(?!auth$)[a-z0-9-]{3,63}$/;
const TENANT_STATUSES = ['pending', 'active', 'suspended', 'deleted'] as const;
const TENANT_ORDERINGS = ['name', 'slug', 'status', 'created_at', 'updated_at'].flatMap((field) => [field, `-${field}`]);
export const DOMAIN_PATTERN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

/** Quota limits a platform admin may set on one tenant; null returns a limit to the default. */
export class QuotaOverridesDto {
  @IsOptional() @IsInt() @Min(0) api_calls_limit?: number | null;
  @IsOptional() @IsInt() @Min(0) ai_tokens_limit?: number | null;
  @IsOptional() @IsInt() @Min(0) storage_limit_gb?: number | null;
  @IsOptional() @IsInt() @Min(1) max_users?: number | null;
}

const nullable = (_dto: object, value: unknown) => value !== null;

/** A limit a platform admin sets on one tenant over its plan's; null returns it to the plan's, 0 refuses everything. */
function Override(max: number): PropertyDecorator {
  return (target, key) => {
    ApiPropertyOptional({ type: 'integer', nullable: true, minimum: 0, maximum: max })(target, key);
    IsOptional()(target, key);
    ValidateIf(nullable)(target, key);
    IsInt()(target, key);
    Min(0)(target, key);
    Max(max)(target, key);
  };
}

/** The tenant's own rate limits (docs/limits.md, Tenant overrides): each tightens or loosens its plan's. */
export class TenantLimitOverridesDto {
  @Override(1_000_000_000) rpm?: number | null;
  @Override(1_000_000_000) rph?: number | null;
  @Override(1_000_000_000) rpd?: number | null;
  @Override(1_000_000_000_000) tpm?: number | null;
  @Override(1_000_000_000_000) tph?: number | null;
  @Override(1_000_000_000_000) tpd?: number | null;
  @Override(1_000_000) max_concurrency?: number | null;
}

class TenantFieldsDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(254) @Matches(DOMAIN_PATTERN, { message: 'domain must be a host name such as acme.example.com' })
  domain?: string;

  @ApiPropertyOptional() @IsOptionalNotNull() @IsEmail() @MaxLength(254) contact_email?: string;
  @ApiPropertyOptional() @IsOptionalNotNull() @IsString() @MaxLength(200) contact_name?: string;
  @ApiPropertyOptional() @IsOptionalNotNull() @IsString() @MaxLength(50) contact_phone?: string;
  @ApiPropertyOptional() @IsOptionalNotNull() @IsEmail() @MaxLength(254) billing_email?: string;
  @ApiPropertyOptional({ description: "The team billing contact of the older billing API (docs/billing.md)" }) @IsOptionalNotNull() @IsEmail() @MaxLength(254) admin_email?: string;
  @ApiPropertyOptional({ description: "The older billing API's name for `contact_phone`; give one or the other" }) @IsOptionalNotNull() @IsString() @MaxLength(50) phone?: string;
  @ApiPropertyOptional() @IsOptionalNotNull() @IsString() @MaxLength(1000) billing_address?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) @IsOptional() @IsObject() @IsBoundedSettings() settings?: Record<string, unknown>;
  @ApiPropertyOptional({ description: "The tenant's plan (`/api/plans/`); a tenant created without one is on `basic`" })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9-]{1,64}$/, { message: 'subscription_tier must be a plan id' })
  subscription_tier?: string;
}

export class CreateTenantDto extends TenantFieldsDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(200) name!: string;

  @ApiProperty({ pattern: SLUG_PATTERN.source })
  @IsString()
  @Matches(SLUG_PATTERN, { message: 'slug must be 3-63 lower-case letters, digits or dashes, and not a reserved word (auth)' })
  slug!: string;
}

export class UpdateTenantDto extends TenantFieldsDto {
  @ApiPropertyOptional() @IsOptionalNotNull() @IsString() @MinLength(1) @MaxLength(200) name?: string;

  @ApiPropertyOptional({ type: QuotaOverridesDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => QuotaOverridesDto)
  quota?: QuotaOverridesDto;

  @ApiPropertyOptional({ type: TenantLimitOverridesDto, description: 'Platform admins only; null in a field returns it to the plan' })
  @IsOptional()
  @ValidateNested()
  @Type(() => TenantLimitOverridesDto)
  limits?: TenantLimitOverridesDto;
}

export class SuspendTenantDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(500) reason!: string;
}

export class ListTenantsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ enum: TENANT_STATUSES }) @IsOptional() @IsIn(TENANT_STATUSES) status?: (typeof TENANT_STATUSES)[number];
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(64) subscription_tier?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) search?: string;
  @ApiPropertyOptional({ enum: TENANT_ORDERINGS }) @IsOptional() @IsIn(TENANT_ORDERINGS) ordering?: string;
}
