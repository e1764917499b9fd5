import type { SyncRecord } from './syncs.repository';

export interface SyncPage {
  records: SyncRecord[];
  /** Records without an id, skipped (each one is noted in the sync's errors). */
  skipped: number;
  total: number | null;
  hasNext: boolean | null;
}

export class MalformedPageError extends Error {
  override readonly name = 'MalformedPageError';
}

/**
 * Reads one page of a partner's data endpoint:
 * `{"data": {"records": [...], "total": n, "has_next": bool}}` (`data` may be
 * left out). Every record needs an `id` (string or number), its external id.
 */
export function parseSyncPage(body: string): SyncPage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new MalformedPageError('The page is not JSON');
  }
  const envelope = isObject(parsed) && isObject(parsed['data']) ? parsed['data'] : parsed;
  if (!isObject(envelope) || !Array.isArray(envelope['records'])) throw new MalformedPageError('The page has no records array (data.records)');
  const records: SyncRecord[] = [];
  let skipped = 0;
  for (const record of envelope['records'] as unknown[]) {
    const id = isObject(record) ? record['id'] : undefined;
    if ((typeof id === 'string' && id.length > 0 && id.length <= 255) || (typeof id === 'number' && Number.isSafeInteger(id))) records.push({ externalId: String(id), data: record as Record<string, unknown> });
    else skipped += 1;
  }
  const total = envelope['total'];
  const hasNext = envelope['has_next'];
  return {
    records,
    skipped,
    total: typeof total === 'number' && Number.isSafeInteger(total) && total >= 0 ? total : null,
    hasNext: typeof hasNext === 'boolean' ? hasNext : null,
  };
}

/** Whether the page just read was the last: the partner says so, or the total is reached, or the page came back short. */
export function isLastPage(page: SyncPage, pageNumber: number, pageSize: number): boolean {
  if (page.hasNext !== null) return !page.hasNext;
  if (page.total !== null) return pageNumber * pageSize >= page.total;
  return page.records.length + page.skipped < pageSize;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
