import { startMockProvider, type MockProvider } from './index';

describe('startMockProvider({ recordRequests })', () => {
  let recording: MockProvider | undefined;
  let silent: MockProvider | undefined;

  afterEach(async () => {
    await recording?.close();
    await silent?.close();
  });

  it('keeps each request’s method, path and headers when asked, and nothing otherwise', async () => {
    recording = await startMockProvider({ recordRequests: true });
    silent = await startMockProvider();
    for (const provider of [recording, silent]) {
      const response = await fetch(`${provider.url}/v1/models?limit=1`, { headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } });
      expect(response.status).toBe(200);
    }
    expect(recording.requests).toEqual([
      { method: 'GET', url: '/v1/models?limit=1', headers: expect.objectContaining({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }) },
    ]);
    expect(silent.requests).toEqual([]);
  });
});
