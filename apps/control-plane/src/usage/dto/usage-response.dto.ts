import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { SameShape } from '@sluice/platform/openapi';
import type { UsageReport } from '../usage.service';
import type { UsageFigures } from '../usage-view';
import { USAGE_GROUPS, type UsageGroup } from './usage.dto';

export class UsageFiguresResponseDto {
  @ApiProperty({ type: 'integer' })
  requests!: number;

  @ApiProperty({ type: 'integer' })
  prompt_tokens!: number;

  @ApiProperty({ type: 'integer' })
  completion_tokens!: number;

  @ApiProperty({ type: 'integer' })
  total_tokens!: number;

  @ApiProperty({ type: 'integer', description: 'Millionths of a US dollar' })
  cost_micros!: number;

  @ApiProperty()
  cost_usd!: number;
}

export class UsageReportResponseDto {
  @ApiProperty({ format: 'uuid' })
  tenant!: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Present on a key’s usage' })
  api_key_id?: string;

  @ApiProperty({ format: 'date' })
  from!: string;

  @ApiProperty({ format: 'date' })
  to!: string;

  @ApiProperty({ enum: [...USAGE_GROUPS] })
  group_by!: UsageGroup;

  @ApiProperty({ type: UsageFiguresResponseDto })
  totals!: UsageFiguresResponseDto;

  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }], nullable: true } },
    description:
      "One row per group: the group's field (day, model, api_key_id with api_key_name, team_id with team_name, or environment) and the usage figures; team_id is null for keys in no team",
  })
  results!: Array<Record<string, string | number | null>>;
}

const _figuresInSync: SameShape<UsageFigures, UsageFiguresResponseDto> = true;
const _reportInSync: SameShape<UsageReport, UsageReportResponseDto> = true;
