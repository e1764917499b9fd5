import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import type { SameShape } from '@sluice/platform/openapi';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import type { HealthView, ProviderHealthView } from '../health.service';
import type { HealthStatus } from '../providers.repository';

const STATUSES = ['healthy', 'degraded', 'down'];

export class HealthQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(254) tenant?: string;
}

// Named apart from the operator's and the health check's classes of the same names: one schema name each in the document.
@ApiSchema({ name: 'IntegrationProviderHealthDto' })
export class ProviderHealthDto {
  @ApiProperty({ format: 'uuid', description: 'The provider' }) id!: string;
  @ApiProperty() provider!: string;
  @ApiProperty({ format: 'uuid' }) tenant!: string;
  @ApiProperty({ enum: STATUSES }) status!: HealthStatus;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Milliseconds' }) response_time!: number | null;
  @ApiProperty({ format: 'date-time' }) last_check!: string;
  @ApiProperty() error_message!: string;
}

@ApiSchema({ name: 'IntegrationHealthResponseDto' })
export class HealthResponseDto {
  @ApiProperty({ enum: STATUSES, description: 'The worst of the providers’ statuses' }) status!: HealthStatus;
  @ApiProperty({ type: 'object', additionalProperties: { $ref: '#/components/schemas/IntegrationProviderHealthDto' } }) providers!: Record<string, ProviderHealthView>;
  @ApiProperty({ type: [ProviderHealthDto] }) results!: ProviderHealthView[];
}

const _inSync: SameShape<HealthView, HealthResponseDto> = true;
const _rowInSync: SameShape<ProviderHealthView, ProviderHealthDto> = true;
