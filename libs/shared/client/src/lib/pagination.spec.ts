import { pageCount, pageOf, paginate, type Page } from './pagination';

describe('pagination', () => {
  it('reads the page number of a link, relative or absolute', () => {
    expect(pageOf('/api/api-keys?status=active&page=3')).toBe(3);
    expect(pageOf('https://sluice.example.com/api/tenants?page=2&page_size=10')).toBe(2);
    expect(pageOf(null)).toBeNull();
    expect(pageOf('/api/tenants?page=zero')).toBeNull();
  });

  it('counts pages, at least one', () => {
    expect([pageCount(0, 50), pageCount(50, 50), pageCount(51, 50)]).toEqual([1, 1, 2]);
  });

  it('follows next links until the last page', async () => {
    const rows = [1, 2, 3, 4, 5];
    const asked: number[] = [];
    const fetchPage = async (page: number): Promise<Page<number>> => {
      asked.push(page);
      const results = rows.slice((page - 1) * 2, page * 2);
      return { count: rows.length, results, previous: page > 1 ? `?page=${page - 1}` : null, next: page * 2 < rows.length ? `?page=${page + 1}` : null };
    };
    const seen: number[] = [];
    for await (const row of paginate(fetchPage)) seen.push(row);
    expect([seen, asked]).toEqual([rows, [1, 2, 3]]);
  });

  it('stops at maxPages and never goes backwards', async () => {
    const loop = async (): Promise<Page<string>> => ({ count: 1, results: ['x'], previous: null, next: '?page=1' });
    const seen: string[] = [];
    for await (const row of paginate(loop)) seen.push(row);
    expect(seen).toEqual(['x']);
    const endless = async (page: number): Promise<Page<number>> => ({ count: 1e9, results: [page], previous: null, next: `?page=${page + 1}` });
    const bounded: number[] = [];
    for await (const row of paginate(endless, { maxPages: 3 })) bounded.push(row);
    expect(bounded).toEqual([1, 2, 3]);
  });
});
