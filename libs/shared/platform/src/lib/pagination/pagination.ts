import { ApiPropertyOptional } from '@nestjs/swagger';
import { PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX, type Page } from '@sluice/contracts';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import type { FastifyRequest } from 'fastify';

/**
 * The last page a list may be asked for: offsets stay exact integers that
 * PostgreSQL takes (`?page=1e21` is a 400, not an overflow), and no caller
 * pages through more than 200 million rows.
 */
export const PAGE_MAX = 1_000_000;

/** `page` and `page_size` of every list endpoint; list DTOs extend it with their filters. */
export class PaginationQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: PAGE_MAX, default: 1 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(PAGE_MAX)
  page = 1;

  @ApiPropertyOptional({ minimum: 1, maximum: PAGE_SIZE_MAX, default: PAGE_SIZE_DEFAULT })
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

/**
 * Wraps one page of results with the total and absolute links to its
 * neighbours, keeping every other query parameter of the request.
 */
export function toPage<T>(request: FastifyRequest, query: PaginationQueryDto, count: number, results: T[]): Page<T> {
  const lastPage = Math.max(1, Math.ceil(count / query.page_size));
  const link = (page: number) => {
    const url = new URL(request.url, `${request.protocol}://${request.host}`);
    url.searchParams.set('page', String(page));
    return url.toString();
  };
  return {
    count,
    next: query.page < lastPage ? link(query.page + 1) : null,
    previous: query.page > 1 ? link(Math.min(query.page - 1, lastPage)) : null,
    results,
  };
}
