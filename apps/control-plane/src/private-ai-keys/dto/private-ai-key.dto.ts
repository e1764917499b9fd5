import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNumberWithDecimals } from '@sluice/platform/validation';
import { PaginationQueryDto } from '@sluice/platform/openapi';
import { IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';

const REGION_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
const nullable = (_dto: object, value: unknown) => value !== null && value !== undefined;

export class CreatePrivateAiKeyDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(150) name!: string;
  @ApiProperty({ description: 'The region whose database server holds the key’s database' }) @IsString() @Matches(REGION_ID, { message: 'region_id must be a region id' }) region_id!: string;

  /** The user who owns the key: the caller (the default); a key owned by no user is an API key with `service: true`. */
  @ApiPropertyOptional({ type: String, nullable: true, format: 'uuid' }) @IsOptional() @ValidateIf(nullable) @IsUUID() owner_id?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, format: 'uuid' }) @IsOptional() @ValidateIf(nullable) @IsUUID() team_id?: string | null;

  /** Tenant id, slug or domain; optional when the caller has one tenant or sends `X-Tenant`. */
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(254) tenant?: string;
}

export class CreateLlmTokenDto extends CreatePrivateAiKeyDto {}

export class ExtendTokenLifeDto {
  @ApiProperty({ description: 'The LLM key (sk-…)' }) @IsString() @MinLength(8) @MaxLength(200) token!: string;
  /** Days added to the later of now and the current expiry; a key that never expires keeps never expiring. */
  @ApiPropertyOptional({ minimum: 1, maximum: 3650 }) @IsOptional() @IsInt() @Min(1) @Max(3650) duration?: number;
  @ApiPropertyOptional({ description: 'The key’s budget in USD (its budget period unchanged, `total` if it had none)' })
  @IsOptional()
  @IsNumberWithDecimals(6)
  @Min(0)
  @Max(1_000_000_000)
  max_budget?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(1_000_000_000) rpm?: number;
}

export class ListPrivateAiKeysQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(254) tenant?: string;
}

export class PrivateStorageQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(254) tenant?: string;
}
