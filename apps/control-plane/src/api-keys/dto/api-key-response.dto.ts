import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ApiKeyLimits } from '@sluice/control-plane/data-access';
import { KEY_ENVIRONMENTS } from '@sluice/contracts';
import type { SameShape } from '@sluice/platform/openapi';
import type { ApiKeyView, ApiKeyWithSecretView, VectorDatabaseView } from '../api-key-view';

export class ApiKeyLimitsResponseDto {
  @ApiPropertyOptional({ type: 'integer', description: 'Requests per minute' })
  rpm?: number;

  @ApiPropertyOptional({ type: 'integer', description: 'Requests per hour' })
  rph?: number;

  @ApiPropertyOptional({ type: 'integer', description: 'Requests per day' })
  rpd?: number;

  @ApiPropertyOptional({ type: 'integer', description: 'Tokens per minute' })
  tpm?: number;

  @ApiPropertyOptional({ type: 'integer', description: 'Tokens per hour' })
  tph?: number;

  @ApiPropertyOptional({ type: 'integer', description: 'Tokens per day' })
  tpd?: number;

  @ApiPropertyOptional({ type: 'integer' })
  max_concurrency?: number;

  @ApiPropertyOptional()
  budget_usd?: number;

  @ApiPropertyOptional({ enum: ['day', 'month', 'total'] })
  budget_period?: 'day' | 'month' | 'total';
}

/** A key's metadata: never its secret or hashes. */
export class ApiKeyResponseDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  tenant!: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  team!: string | null;

  @ApiProperty()
  name!: string;

  @ApiProperty({ description: 'The visible start of the secret' })
  prefix!: string;

  @ApiProperty()
  last4!: string;

  @ApiProperty({ enum: KEY_ENVIRONMENTS, description: 'live and staging reach every allowed model and spend money; test and development reach sandbox models only (docs/limits.md)' })
  environment!: ApiKeyView['environment'];

  @ApiProperty({ type: [String] })
  scopes!: string[];

  @ApiProperty({ enum: ['active', 'revoked', 'expired'] })
  status!: ApiKeyView['status'];

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expires_at!: string | null;

  @ApiProperty({ type: [String], nullable: true })
  allowed_models!: string[] | null;

  @ApiProperty({ type: [String], nullable: true })
  allowed_ips!: string[] | null;

  @ApiProperty({ type: [String], nullable: true })
  allowed_regions!: string[] | null;

  @ApiProperty({ type: [String], nullable: true, description: 'Host patterns (`app.example.com`, `*.example.com`) the Origin, else Referer, must match; null = any' })
  allowed_origins!: string[] | null;

  @ApiProperty({ description: 'Whether requests with neither Origin nor Referer are allowed' })
  allow_no_origin!: boolean;

  @ApiProperty({ type: ApiKeyLimitsResponseDto })
  limits!: ApiKeyLimitsResponseDto;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  created_by!: string | null;

  @ApiProperty({ description: 'No user owns it (`created_by` is null): it acts by its scopes alone' })
  service!: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  last_used_at!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  revoked_at!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  rotated_at!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Until when the secret replaced by the last rotation still works' })
  rotation_grace_ends_at!: string | null;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ format: 'date-time' })
  updated_at!: string;
}

export class VectorDatabaseResponseDto {
  @ApiProperty() database_name!: string;
  @ApiProperty() database_host!: string;
  @ApiProperty() database_port!: number;
  @ApiProperty() database_username!: string;
  @ApiProperty({ description: 'Shown once' }) database_password!: string;
  @ApiProperty() vector_enabled!: boolean;
}

/** Answered by create and rotate only: the one time the secret is shown. */
export class ApiKeyWithSecretResponseDto extends ApiKeyResponseDto {
  @ApiProperty({ description: 'The secret, shown once' })
  key!: string;

  @ApiPropertyOptional({ type: VectorDatabaseResponseDto, description: 'With vector_db: true, the key’s own database (docs/private-ai-keys.md)' })
  vector_db?: VectorDatabaseResponseDto;
}

export class BulkRotateResponseDto {
  @ApiProperty({ type: 'integer' })
  count!: number;

  @ApiProperty({ type: [ApiKeyWithSecretResponseDto] })
  results!: ApiKeyWithSecretResponseDto[];
}

const _limitsInSync: SameShape<ApiKeyLimits, ApiKeyLimitsResponseDto> = true;
const _keyInSync: SameShape<ApiKeyView, ApiKeyResponseDto> = true;
const _vectorDbInSync: SameShape<VectorDatabaseView, VectorDatabaseResponseDto> = true;
const _secretInSync: SameShape<ApiKeyWithSecretView, ApiKeyWithSecretResponseDto> = true;
