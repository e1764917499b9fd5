import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptionalNotNull } from '@sluice/platform/validation';
import { PaginationQueryDto } from '@sluice/platform/openapi';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsPositive,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';

export const PROVIDERS = ['openai', 'anthropic', 'openai-compatible', 'mock'] as const;
export const MODEL_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
export const REGION_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;
const ENV_NAME_PATTERN = /^[A-Z_][A-Z0-9_]{0,127}$/;
const URL_PATTERN = /^https?:\/\/[^\s]+$/;

export class DeploymentDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(160) id?: string;
  @ApiProperty({ enum: PROVIDERS }) @IsIn(PROVIDERS) provider!: (typeof PROVIDERS)[number];
  @ApiProperty() @IsString() @MaxLength(2048) @Matches(URL_PATTERN, { message: 'base_url must be an http:// or https:// URL' }) base_url!: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(200) upstream_model!: string;

  /** Name of the gateway's environment variable holding the credential, never the credential. */
  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @ValidateIf((_dto, value) => value !== null)
  @Matches(ENV_NAME_PATTERN, { message: 'credential_env must name an environment variable (A-Z, 0-9, _)' })
  credential_env?: string | null;

  @ApiPropertyOptional({ default: 1 }) @IsOptional() @IsNumber() @IsPositive({ message: 'weight must be positive' }) @Max(1_000_000) weight?: number;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @ValidateIf((_dto, value) => value !== null)
  @Matches(REGION_ID_PATTERN, { message: 'region must be a region id' })
  region?: string | null;

  @ApiPropertyOptional({ default: 60_000 }) @IsOptional() @IsInt() @Min(1) @Max(600_000) timeout_ms?: number;
}

export class PricingDto {
  @ApiProperty() @IsNumber() @Min(0) @Max(1_000_000) input_per_mtok_usd!: number;
  @ApiProperty() @IsNumber() @Min(0) @Max(1_000_000) output_per_mtok_usd!: number;
}

class ModelFieldsDto {
  @ApiPropertyOptional({ type: [String] })
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(MODEL_ID_PATTERN, { each: true, message: 'each alias must be a model id' })
  aliases?: string[];

  @ApiPropertyOptional({ type: [String] })
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMaxSize(20)
  @Matches(MODEL_ID_PATTERN, { each: true, message: 'each fallback must be a model id' })
  fallbacks?: string[];

  @ApiPropertyOptional({ type: [String] }) @IsOptionalNotNull() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @MaxLength(64, { each: true }) capabilities?: string[];
  @ApiPropertyOptional() @IsOptionalNotNull() @IsBoolean() sandbox?: boolean;
  @ApiPropertyOptional() @IsOptionalNotNull() @IsBoolean() enabled?: boolean;
}

export class CreateModelDto extends ModelFieldsDto {
  @ApiProperty({ pattern: MODEL_ID_PATTERN.source })
  @IsString()
  @Matches(MODEL_ID_PATTERN, { message: `id must match ${MODEL_ID_PATTERN.source}` })
  id!: string;

  @ApiProperty({ enum: PROVIDERS }) @IsIn(PROVIDERS) provider!: (typeof PROVIDERS)[number];

  @ApiProperty({ type: [DeploymentDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => DeploymentDto)
  deployments!: DeploymentDto[];

  @ApiProperty({ type: PricingDto }) @IsObject() @ValidateNested() @Type(() => PricingDto) pricing!: PricingDto;
  @ApiProperty() @IsInt() @Min(1) @Max(100_000_000) context_window!: number;
  @ApiProperty() @IsInt() @Min(1) @Max(100_000_000) max_output_tokens!: number;
}

export class UpdateModelDto extends ModelFieldsDto {
  @ApiPropertyOptional({ enum: PROVIDERS }) @IsOptionalNotNull() @IsIn(PROVIDERS) provider?: (typeof PROVIDERS)[number];

  @ApiPropertyOptional({ type: [DeploymentDto] })
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => DeploymentDto)
  deployments?: DeploymentDto[];

  @ApiPropertyOptional({ type: PricingDto }) @IsOptionalNotNull() @ValidateNested() @Type(() => PricingDto) pricing?: PricingDto;
  @ApiPropertyOptional() @IsOptionalNotNull() @IsInt() @Min(1) @Max(100_000_000) context_window?: number;
  @ApiPropertyOptional() @IsOptionalNotNull() @IsInt() @Min(1) @Max(100_000_000) max_output_tokens?: number;
}

const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class ListModelsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ enum: PROVIDERS }) @IsOptional() @IsIn(PROVIDERS) provider?: (typeof PROVIDERS)[number];
  @ApiPropertyOptional() @IsOptional() @Transform(toBoolean) @IsBoolean() sandbox?: boolean;
  @ApiPropertyOptional() @IsOptional() @Transform(toBoolean) @IsBoolean() enabled?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) search?: string;
}

const POSTGRES_URL_PATTERN = /^postgres(ql)?:\/\/[^\s/]+\/[^\s/?]+(\?\S*)?$/;
const HOST_PATTERN = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$|^\[?[0-9A-Fa-f:.]+\]?$/;

/** The region's PostgreSQL server for private AI keys (docs/private-ai-keys.md). */
export class RegionDatabaseDto {
  /** What key holders connect to (may differ from the admin URL's host, for instance behind a proxy). */
  @ApiProperty() @IsString() @Matches(HOST_PATTERN, { message: 'host must be a host name or IP address' }) host!: string;
  @ApiProperty() @IsInt() @Min(1) @Max(65535) port!: number;

  /** How Sluice connects to create databases and roles: a role with CREATEDB and CREATEROLE, not a superuser. Write-only, sealed at rest. */
  @ApiProperty({ writeOnly: true, example: 'postgres://sluice_admin:secret@db.internal:5432/postgres' })
  @IsString()
  @MaxLength(2048)
  @Matches(POSTGRES_URL_PATTERN, { message: 'admin_url must be a postgres:// URL naming a database' })
  admin_url!: string;
}

export class CreateRegionDto {
  @ApiProperty({ pattern: REGION_ID_PATTERN.source })
  @IsString()
  @Matches(REGION_ID_PATTERN, { message: `id must match ${REGION_ID_PATTERN.source}` })
  id!: string;

  @ApiProperty() @IsString() @MinLength(1) @MaxLength(150) name!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(1000) description?: string;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() is_active?: boolean;
  @ApiPropertyOptional({ type: RegionDatabaseDto }) @IsOptionalNotNull() @IsObject() @ValidateNested() @Type(() => RegionDatabaseDto) database?: RegionDatabaseDto;
}

export class UpdateRegionDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(150) name?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(1000) description?: string;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() is_active?: boolean;

  /** null removes the server (409 while private keys still have databases there). */
  @ApiPropertyOptional({ type: RegionDatabaseDto, nullable: true })
  @IsOptional()
  @ValidateIf((_dto, value) => value !== null)
  @IsObject()
  @ValidateNested()
  @Type(() => RegionDatabaseDto)
  database?: RegionDatabaseDto | null;
}

/** The checked-in catalog file (`catalog/catalog.json`). */
export class CatalogFileDto {
  @IsArray() @ValidateNested({ each: true }) @Type(() => CreateRegionDto) regions!: CreateRegionDto[];
  @IsArray() @ValidateNested({ each: true }) @Type(() => CreateModelDto) models!: CreateModelDto[];
}
