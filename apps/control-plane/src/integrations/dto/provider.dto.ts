import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptionalNotNull } from '@sluice/platform/validation';
import { PaginationQueryDto } from '@sluice/platform/openapi';
import { ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';
import { IsCidr } from '../../api-keys/key-rules';
import { AUTH_TYPES, type AuthType } from '../providers.repository';

/** The `{service}` of the webhook route: what a partner puts in its URL. */
export const PROVIDER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const HTTP_URL = /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/;
const URL_MESSAGE = 'must be an http:// or https:// URL without query or fragment';
const nullable = (_dto: object, value: unknown) => value !== null;

export class CreateProviderDto {
  @ApiPropertyOptional({ description: 'Tenant id, slug or domain; defaults to X-Tenant or the caller’s only tenant' }) @IsOptional() @IsString() @MaxLength(254) tenant?: string;
  @ApiProperty({ pattern: PROVIDER_NAME.source, description: 'The {service} of POST /api/integrations/webhooks/{service}/' })
  @IsString()
  @Matches(PROVIDER_NAME, { message: 'name must be 1-100 letters, digits, _ . or - (it is a URL segment)' })
  name!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) @IsOptional() @IsString() @MaxLength(2048) @Matches(HTTP_URL, { message: `webhook_url ${URL_MESSAGE}` }) webhook_url?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'Health is probed at {api_base_url}/health/, data synced from {api_base_url}/api/data/{type}/' })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @Matches(HTTP_URL, { message: `api_base_url ${URL_MESSAGE}` })
  api_base_url?: string | null;
  @ApiPropertyOptional({ enum: AUTH_TYPES, default: 'none' }) @IsOptionalNotNull() @IsIn(AUTH_TYPES) auth_type?: AuthType;
  @ApiPropertyOptional({ writeOnly: true, description: 'Shared secret: signs inbound webhooks (X-Signature) and authenticates calls to the provider. Never returned.' })
  @IsOptionalNotNull()
  @IsString()
  @MinLength(8)
  @MaxLength(512)
  secret_key?: string;
  @ApiPropertyOptional({ default: true }) @IsOptionalNotNull() @IsBoolean() is_active?: boolean;
  @ApiPropertyOptional({ default: false, description: 'user.* events maintain the tenant’s memberships' }) @IsOptionalNotNull() @IsBoolean() map_users?: boolean;
  @ApiPropertyOptional({ type: [String], description: 'Addresses (CIDR) webhooks may come from; empty: any' })
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsCidr({ each: true })
  allowed_ips?: string[];
  @ApiPropertyOptional({ type: 'integer', nullable: true, description: 'Webhook requests per minute; null: INTEGRATIONS_WEBHOOK_RATE_PER_MINUTE' })
  @IsOptional()
  @ValidateIf(nullable)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  rate_limit_per_minute?: number | null;
}

export class UpdateProviderDto {
  @ApiPropertyOptional({ pattern: PROVIDER_NAME.source })
  @IsOptionalNotNull()
  @IsString()
  @Matches(PROVIDER_NAME, { message: 'name must be 1-100 letters, digits, _ . or - (it is a URL segment)' })
  name?: string;
  @ApiPropertyOptional({ type: String, nullable: true }) @IsOptional() @ValidateIf(nullable) @IsString() @MaxLength(2048) @Matches(HTTP_URL, { message: `webhook_url ${URL_MESSAGE}` }) webhook_url?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) @IsOptional() @ValidateIf(nullable) @IsString() @MaxLength(2048) @Matches(HTTP_URL, { message: `api_base_url ${URL_MESSAGE}` }) api_base_url?: string | null;
  @ApiPropertyOptional({ enum: AUTH_TYPES }) @IsOptionalNotNull() @IsIn(AUTH_TYPES) auth_type?: AuthType;
  @ApiPropertyOptional({ writeOnly: true, description: 'A new secret; an empty string removes it' })
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(512)
  @ValidateIf((_dto: object, value: unknown) => value !== '')
  @MinLength(8)
  secret_key?: string;
  @ApiPropertyOptional() @IsOptionalNotNull() @IsBoolean() is_active?: boolean;
  @ApiPropertyOptional() @IsOptionalNotNull() @IsBoolean() map_users?: boolean;
  @ApiPropertyOptional({ type: [String] }) @IsOptionalNotNull() @IsArray() @ArrayMaxSize(100) @ArrayUnique() @IsCidr({ each: true }) allowed_ips?: string[];
  @ApiPropertyOptional({ type: 'integer', nullable: true }) @IsOptional() @ValidateIf(nullable) @IsInt() @Min(1) @Max(1_000_000) rate_limit_per_minute?: number | null;
}

export class ListProvidersQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(254) tenant?: string;
  @ApiPropertyOptional() @IsOptional() @IsIn(['name', '-name', 'created_at', '-created_at']) ordering?: string;
}
