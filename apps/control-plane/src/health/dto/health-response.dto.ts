import { ApiProperty } from '@nestjs/swagger';
import type { ControlPlaneHealth } from '@sluice/contracts';
import type { SameShape } from '@sluice/platform';

const CONNECTION = ['connected', 'disconnected'];

export class HealthResponseDto {
  @ApiProperty({ enum: ['ok', 'degraded'] })
  status!: ControlPlaneHealth['status'];

  @ApiProperty({ enum: ['control-plane'] })
  service!: ControlPlaneHealth['service'];

  @ApiProperty({ enum: CONNECTION })
  database!: ControlPlaneHealth['database'];

  @ApiProperty({ enum: CONNECTION })
  redis!: ControlPlaneHealth['redis'];
}

export class LivenessResponseDto {
  @ApiProperty({ enum: ['ok'] })
  status!: 'ok';
}

/** Each check by name, with its status. */
export class ReadinessResponseDto {
  @ApiProperty({ enum: ['ok'] })
  status!: 'ok';

  @ApiProperty({ type: 'object', additionalProperties: { type: 'object', properties: { status: { type: 'string' } }, additionalProperties: true } })
  info!: Record<string, { status: string }>;

  @ApiProperty({ type: 'object', additionalProperties: true })
  error!: Record<string, unknown>;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'object', properties: { status: { type: 'string' } }, additionalProperties: true } })
  details!: Record<string, { status: string }>;
}

const _healthInSync: SameShape<ControlPlaneHealth, HealthResponseDto> = true;
