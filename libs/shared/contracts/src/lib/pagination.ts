/** A page of a list endpoint: absolute `next`/`previous` URLs (docs/decisions.md, HTTP conventions: pagination). */
export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

export const PAGE_SIZE_DEFAULT = 50;
export const PAGE_SIZE_MAX = 200;
