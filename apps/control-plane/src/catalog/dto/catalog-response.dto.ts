import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ModelDeployment, ModelPricing } from '@sluice/control-plane/data-access';
import type { SameShape } from '@sluice/platform/openapi';
import type { ModelView, RegionView } from '../catalog-view';

const PROVIDERS = ['openai', 'anthropic', 'openai-compatible', 'mock'];

export class DeploymentResponseDto {
  @ApiPropertyOptional()
  id?: string;

  @ApiProperty({ enum: PROVIDERS })
  provider!: ModelDeployment['provider'];

  @ApiProperty()
  base_url!: string;

  @ApiProperty()
  upstream_model!: string;

  @ApiProperty({ type: String, nullable: true, description: 'Name of the environment variable holding the credential' })
  credential_env!: string | null;

  @ApiProperty()
  weight!: number;

  @ApiProperty({ type: String, nullable: true })
  region!: string | null;

  @ApiProperty({ type: 'integer' })
  timeout_ms!: number;
}

export class PricingResponseDto {
  @ApiProperty({ description: 'USD per million input tokens' })
  input_per_mtok_usd!: number;

  @ApiProperty({ description: 'USD per million output tokens' })
  output_per_mtok_usd!: number;
}

export class ModelResponseDto {
  @ApiProperty()
  id!: string;

  @ApiProperty({ type: [String] })
  aliases!: string[];

  @ApiProperty({ enum: PROVIDERS })
  provider!: ModelView['provider'];

  @ApiProperty({ type: [DeploymentResponseDto] })
  deployments!: DeploymentResponseDto[];

  @ApiProperty({ type: [String] })
  fallbacks!: string[];

  @ApiProperty({ type: PricingResponseDto })
  pricing!: PricingResponseDto;

  @ApiProperty({ type: 'integer' })
  context_window!: number;

  @ApiProperty({ type: 'integer' })
  max_output_tokens!: number;

  @ApiProperty({ type: [String] })
  capabilities!: string[];

  @ApiProperty()
  sandbox!: boolean;

  @ApiProperty()
  enabled!: boolean;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ format: 'date-time' })
  updated_at!: string;
}

export class RegionDatabaseResponseDto {
  @ApiProperty()
  host!: string;

  @ApiProperty()
  port!: number;
}

export class RegionResponseDto {
  @ApiProperty()
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty()
  description!: string;

  @ApiProperty()
  is_active!: boolean;

  @ApiProperty({ type: RegionDatabaseResponseDto, nullable: true, description: 'The server private AI keys get their databases on; the admin URL is write-only' })
  database!: RegionDatabaseResponseDto | null;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ format: 'date-time' })
  updated_at!: string;
}

const _deploymentInSync: SameShape<ModelDeployment, DeploymentResponseDto> = true;
const _pricingInSync: SameShape<ModelPricing, PricingResponseDto> = true;
const _modelInSync: SameShape<ModelView, ModelResponseDto> = true;
const _regionInSync: SameShape<RegionView, RegionResponseDto> = true;
