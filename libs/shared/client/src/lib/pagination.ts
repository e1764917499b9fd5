/** One page of a list endpoint: the total, links to the neighbours, and this page's rows. */
export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

/** The page number of a `next`/`previous` link (`/api/api-keys?page=3`), or null when there is none. */
export function pageOf(link: string | null): number | null {
  if (!link) return null;
  const page = Number(new URL(link, 'http://sluice.invalid').searchParams.get('page'));
  return Number.isInteger(page) && page > 0 ? page : null;
}

/** How many pages `count` rows make at `pageSize` per page (at least one). */
export function pageCount(count: number, pageSize: number): number {
  return Math.max(1, Math.ceil(count / pageSize));
}

/**
 * Every row of a list, page after page, following `next` until the last:
 * `for await (const key of paginate((page) => ok(sluice.GET('/api/api-keys', { params: { query: { page } } }))))`.
 * `maxPages` bounds a list that keeps growing while it is read.
 */
export async function* paginate<T>(fetchPage: (page: number) => Promise<Page<T>>, { maxPages = 10_000 } = {}): AsyncGenerator<T> {
  let page: number | null = 1;
  for (let fetched = 0; page !== null && fetched < maxPages; fetched++) {
    const current: Page<T> = await fetchPage(page);
    yield* current.results;
    const next = pageOf(current.next);
    page = next !== null && next > page ? next : null;
  }
}
