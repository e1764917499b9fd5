import { isLastPage, MalformedPageError, parseSyncPage } from './sync-page';

describe('sync pages', () => {
  it('reads records, total and has_next from the data envelope', () => {
    const page = parseSyncPage(JSON.stringify({ status: 'success', data: { records: [{ id: 'u1', email: 'a@x' }, { id: 2 }], total: 5, has_next: true } }));
    expect(page.records.map((r) => r.externalId)).toEqual(['u1', '2']);
    expect(page.total).toBe(5);
    expect(isLastPage(page, 1, 2)).toBe(false);
  });

  it('skips records without a usable id and counts them', () => {
    const page = parseSyncPage(JSON.stringify({ records: [{ name: 'no id' }, { id: '' }, { id: 'ok' }, { id: 1.5 }] }));
    expect(page.records).toHaveLength(1);
    expect(page.skipped).toBe(3);
  });

  it('refuses what is not a page', () => {
    expect(() => parseSyncPage('{"data": {"records": [')).toThrow(MalformedPageError);
    expect(() => parseSyncPage('{"data": {"items": []}}')).toThrow(MalformedPageError);
    expect(() => parseSyncPage('[]')).toThrow(MalformedPageError);
  });

  it('knows the last page by has_next, then by the total, then by a short page', () => {
    expect(isLastPage({ records: [], skipped: 0, total: 10, hasNext: false }, 1, 2)).toBe(true);
    expect(isLastPage({ records: [], skipped: 0, total: 10, hasNext: null }, 5, 2)).toBe(true);
    expect(isLastPage({ records: [], skipped: 0, total: 10, hasNext: null }, 4, 2)).toBe(false);
    expect(isLastPage({ records: [{ externalId: 'a', data: {} }], skipped: 0, total: null, hasNext: null }, 1, 2)).toBe(true);
  });
});
