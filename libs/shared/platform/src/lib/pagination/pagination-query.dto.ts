import { ApiPropertyOptional } from '@nestjs/swagger';
import { PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX } from '@sluice/contracts';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { PAGE_MAX } from './pagination';

/** `page` and `page_size` of every list endpoint; list DTOs extend it with their filters. */
export class PaginationQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: PAGE_MAX, default: 1 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(PAGE_MAX)
  page = 1;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: PAGE_SIZE_MAX, default: PAGE_SIZE_DEFAULT })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(PAGE_SIZE_MAX)
  page_size = PAGE_SIZE_DEFAULT;
}

/** Rows to skip and take for a page query. */
export function pageWindow({ page, page_size }: PaginationQueryDto): { offset: number; limit: number } {
  return { offset: (page - 1) * page_size, limit: page_size };
}
