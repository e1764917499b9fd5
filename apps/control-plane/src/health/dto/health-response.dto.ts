import { ApiProperty } from '@nestjs/swagger';
import type { ControlPlaneHealth } from '@sluice/contracts';
import type { SameShape } from '@sluice/platform/openapi';

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

const _healthInSync: SameShape<ControlPlaneHealth, HealthResponseDto> = true;
