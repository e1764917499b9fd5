import type { Page } from '@sluice/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PaginationQueryDto } from './pagination-query.dto';

/**
 * The last page a list may be asked for: offsets stay exact integers that
 * PostgreSQL takes (`?page=1e21` is a 400, not an overflow), and no caller
 * pages through more than 200 million rows.
 */
export const PAGE_MAX = 1_000_000;

declare module 'fastify' {
  interface FastifyInstance {
    /** Scheme, host and path prefix of absolute links; null: relative links. */
    sluicePublicBaseUrl: string | null;
  }
}

/** Sets where the links of toPage point (createHttpApp does, from the app's configuration). */
export function usePublicBaseUrl(fastify: FastifyInstance, base: string | null): void {
  fastify.decorate('sluicePublicBaseUrl', base === null ? null : base.replace(/\/+$/, ''));
}

/**
 * Wraps one page of results with the total and links to its neighbours,
 * keeping every other query parameter of the request. Links are absolute
 * under the configured public base URL, relative without one: never built from
 * Host or X-Forwarded-Host, which any client writes.
 */
export function toPage<T>(request: FastifyRequest, query: PaginationQueryDto, count: number, results: T[]): Page<T> {
  const lastPage = Math.max(1, Math.ceil(count / query.page_size));
  const base = request.server.sluicePublicBaseUrl ?? null;
  const link = (page: number) => {
    // Parsed against a fixed origin, so that `//evil.example/x` stays a path.
    const url = new URL(`http://sluice.invalid${request.url.startsWith('/') ? '' : '/'}${request.url}`);
    url.searchParams.set('page', String(page));
    // One leading slash: `//host/path` would be a link to another host.
    return `${base ?? ''}${url.pathname.replace(/^\/+/, '/')}${url.search}`;
  };
  return {
    count,
    next: query.page < lastPage ? link(query.page + 1) : null,
    previous: query.page > 1 ? link(Math.min(query.page - 1, lastPage)) : null,
    results,
  };
}
