import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNumberWithDecimals, IsOptionalNotNull } from '@sluice/platform/validation';
import { PaginationQueryDto } from '@sluice/platform/openapi';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  Equals,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { KEY_SCOPES, ORIGIN_PATTERN } from '@sluice/auth';
import { KEY_ENVIRONMENTS } from '@sluice/contracts';
import { IsCidr } from '../key-rules';

export { KEY_ENVIRONMENTS };
export const KEY_STATUSES = ['active', 'revoked', 'expired'] as const;
export const MAX_GRACE_SECONDS = 604_800;
const MODEL_GLOB = /^[A-Za-z0-9._:*?-]{1,128}$/;
const REGION_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
const nullable = (_dto: object, value: unknown) => value !== null;

export class KeyLimitsDto {
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(1_000_000_000) rpm?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(1_000_000_000) rph?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(1_000_000_000) rpd?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(1_000_000_000_000) tpm?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(1_000_000_000_000) tph?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(1_000_000_000_000) tpd?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(1_000_000) max_concurrency?: number;
  @ApiPropertyOptional() @IsOptional() @IsNumberWithDecimals(6) @Min(0) @Max(1_000_000_000) budget_usd?: number;
  @ApiPropertyOptional({ enum: ['day', 'month', 'total'] }) @IsOptional() @IsIn(['day', 'month', 'total']) budget_period?: 'day' | 'month' | 'total';
}

/** What create and patch share; null clears an optional restriction. */
class KeyRestrictionsDto {
  @ApiPropertyOptional({ enum: KEY_SCOPES, isArray: true })
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(KEY_SCOPES, { each: true })
  scopes?: Array<(typeof KEY_SCOPES)[number]>;

  @ApiPropertyOptional({ type: String, nullable: true, format: 'date-time' })
  @IsOptional()
  @ValidateIf(nullable)
  @IsISO8601({ strict: true })
  expires_at?: string | null;

  @ApiPropertyOptional({ nullable: true, type: [String], description: 'Globs over model ids (`gpt-4o*`)' })
  @IsOptional()
  @ValidateIf(nullable)
  @IsArray()
  @ArrayMaxSize(100)
  @Matches(MODEL_GLOB, { each: true, message: 'each entry must be a model id or glob (A-Z a-z 0-9 . _ : - * ?)' })
  allowed_models?: string[] | null;

  @ApiPropertyOptional({ nullable: true, type: [String], description: 'IPv4/IPv6 CIDRs' })
  @IsOptional()
  @ValidateIf(nullable)
  @IsArray()
  @ArrayMaxSize(100)
  @IsCidr({ each: true })
  allowed_ips?: string[] | null;

  @ApiPropertyOptional({ nullable: true, type: [String] })
  @IsOptional()
  @ValidateIf(nullable)
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(REGION_ID, { each: true, message: 'each entry must be a region id' })
  allowed_regions?: string[] | null;

  @ApiPropertyOptional({ nullable: true, type: [String], description: 'Host patterns the Origin, else Referer, must match: `app.example.com`, `*.example.com` (subdomains only)' })
  @IsOptional()
  @ValidateIf(nullable)
  @IsArray()
  @ArrayMaxSize(100)
  @Matches(ORIGIN_PATTERN, { each: true, message: 'each entry must be a lower-case host name, optionally starting with *. (app.example.com, *.example.com), without scheme or port' })
  allowed_origins?: string[] | null;

  @ApiPropertyOptional({ description: 'Whether requests with neither Origin nor Referer are allowed (default true)' })
  @IsOptionalNotNull()
  @IsBoolean()
  allow_no_origin?: boolean;

  @ApiPropertyOptional({ type: String, nullable: true }) @IsOptional() @ValidateIf(nullable) @IsUUID() team?: string | null;

  @ApiPropertyOptional({ type: KeyLimitsDto }) @IsOptional() @ValidateNested() @Type(() => KeyLimitsDto) limits?: KeyLimitsDto;
}

export class CreateApiKeyDto extends KeyRestrictionsDto {
  /** Tenant id, slug or domain; optional when the caller has one tenant or sends `X-Tenant`. */
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(254) tenant?: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(150) name!: string;
  @ApiPropertyOptional({ enum: KEY_ENVIRONMENTS, default: 'live' }) @IsOptional() @IsIn(KEY_ENVIRONMENTS) environment?: (typeof KEY_ENVIRONMENTS)[number];

  /** A key of the tenant that no user owns (owners and admins only); otherwise the key is the caller's and never acts above the caller's role. */
  @ApiPropertyOptional({ default: false }) @IsOptional() @IsBoolean() service?: boolean;

  /** Also create a PostgreSQL database of the key's own on `region_id`'s server (a private AI key, docs/private-ai-keys.md). */
  @ApiPropertyOptional({ default: false }) @IsOptional() @IsBoolean() vector_db?: boolean;

  /** The region of the key's database; required with `vector_db: true`. */
  @ApiPropertyOptional()
  @ValidateIf((dto: CreateApiKeyDto) => dto.vector_db === true || dto.region_id !== undefined)
  @IsString()
  @Matches(REGION_ID, { message: 'region_id must be a region id' })
  region_id?: string;
}

export class UpdateApiKeyDto extends KeyRestrictionsDto {
  @ApiPropertyOptional() @IsOptionalNotNull() @IsString() @MinLength(1) @MaxLength(150) name?: string;
}

/** Deleting a key cannot be undone: the body must say so. */
export class DeleteApiKeyDto {
  @ApiProperty({ enum: [true], description: 'Must be true' })
  @Equals(true, { message: 'confirm must be true: deleting a key revokes it for good' })
  confirm!: true;
}

export class RotateApiKeyDto {
  /** How long the replaced secret keeps working (seconds, up to 7 days). */
  @ApiPropertyOptional({ minimum: 0, maximum: MAX_GRACE_SECONDS, default: 0 }) @IsOptional() @IsInt() @Min(0) @Max(MAX_GRACE_SECONDS) grace_seconds?: number;
}

export class BulkRotateApiKeysDto extends RotateApiKeyDto {
  @ApiPropertyOptional({ type: [String] })
  @ValidateIf((dto: BulkRotateApiKeysDto) => dto.tenant === undefined)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  ids?: string[];

  /** Every active key of this tenant (id, slug or domain); admins only. */
  @ApiPropertyOptional() @ValidateIf((dto: BulkRotateApiKeysDto) => dto.ids === undefined) @IsString() @MaxLength(254) tenant?: string;
}

export class ListApiKeysQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(254) tenant?: string;
  @ApiPropertyOptional({ enum: KEY_STATUSES }) @IsOptional() @IsIn(KEY_STATUSES) status?: (typeof KEY_STATUSES)[number];
  @ApiPropertyOptional({ enum: KEY_ENVIRONMENTS }) @IsOptional() @IsIn(KEY_ENVIRONMENTS) environment?: (typeof KEY_ENVIRONMENTS)[number];
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) search?: string;
  @ApiPropertyOptional() @IsOptional() @IsIn(['name', 'created_at', 'expires_at', 'last_used_at'].flatMap((field) => [field, `-${field}`])) ordering?: string;
}
