import { loadConfig } from './config';
import { startMockServices, type MockServices } from './index';

describe('mock services', () => {
  let services: MockServices;
  beforeAll(async () => {
    services = await startMockServices({ records: 5 });
  });
  afterAll(() => services.close());

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${services.url}${path}`, { headers });
    return { status: response.status, text: await response.text() };
  };

  it('answers health and the collections in the status/message/data envelope', async () => {
    const health = JSON.parse((await get('/api/mock/health/')).text);
    expect(health).toMatchObject({ status: 'success', message: 'System healthy', data: { services: { user_service: 'operational' } } });
    const created = await fetch(`${services.url}/api/mock/users/`, { method: 'POST', body: JSON.stringify({ email: 'new@example.com', name: 'New', status: 'active' }) });
    expect(created.status).toBe(201);
    expect(((await created.json()) as { data: { email: string } }).data.email).toBe('new@example.com');
    const users = JSON.parse((await get('/api/mock/users/')).text) as { data: unknown[] };
    expect(users.data).toHaveLength(6);
  });

  it('pages the data endpoint with total and has_next', async () => {
    const page = (n: number) => get(`/api/mock/api/data/subscriptions/?page=${n}&page_size=2`).then((r) => JSON.parse(r.text) as { data: { records: Array<{ id: string }>; total: number; has_next: boolean } });
    const [one, three] = [await page(1), await page(3)];
    expect(one.data.records.map((r) => r.id)).toEqual(['sub-0001', 'sub-0002']);
    expect(one.data).toMatchObject({ total: 5, has_next: true });
    expect(three.data.records.map((r) => r.id)).toEqual(['sub-0005']);
    expect(three.data.has_next).toBe(false);
    expect((await get('/api/mock/api/data/invoices/')).status).toBe(404);
  });

  it('injects faults by header, by path prefix and queued for the next matching requests', async () => {
    expect((await get('/api/mock/health/', { 'x-mock': 'status=503' })).status).toBe(503);
    expect((await get('/_mock/status=500/api/mock/health/')).status).toBe(500);
    const malformed = await get('/_mock/malformed/api/mock/api/data/users/');
    expect(() => JSON.parse(malformed.text)).toThrow();
    services.injectFault('/api/data/users/?page=2', 'status=500');
    expect((await get('/api/mock/api/data/users/?page=2&page_size=2')).status).toBe(500);
    expect((await get('/api/mock/api/data/users/?page=2&page_size=2')).status).toBe(200);
    const queued = await fetch(`${services.url}/_mock/faults/`, { method: 'POST', body: JSON.stringify({ path_contains: '/health', faults: 'status=502', times: 1 }) });
    expect(queued.status).toBe(201);
    expect((await get('/api/mock/health/')).status).toBe(502);
    expect((await get('/api/mock/health/', { 'x-mock': 'status=9' })).status).toBe(400);
  });

  it('reads its port, keeping the default 9300', () => {
    expect(loadConfig({}).port).toBe(9300);
    expect(loadConfig({ MOCK_SERVICES_PORT: '0' }).port).toBe(0);
    expect(() => loadConfig({ MOCK_SERVICES_PORT: '70000' })).toThrow(/MOCK_SERVICES_PORT/);
  });
});
