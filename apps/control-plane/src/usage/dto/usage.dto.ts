import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional } from 'class-validator';

export const USAGE_GROUPS = ['day', 'model', 'key', 'team', 'environment'] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];

export class UsageQueryDto {
  @ApiPropertyOptional({ description: 'First UTC day, inclusive (YYYY-MM-DD or an ISO-8601 time); default 29 days before `to`' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be a date (YYYY-MM-DD) or an ISO-8601 time' })
  from?: string;

  @ApiPropertyOptional({ description: 'Last UTC day, inclusive; default today' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be a date (YYYY-MM-DD) or an ISO-8601 time' })
  to?: string;

  @ApiPropertyOptional({ enum: USAGE_GROUPS, default: 'day' })
  @IsOptional()
  @IsIn(USAGE_GROUPS)
  group_by?: UsageGroup;
}
