import type { ErrorResponse } from '@sluice/contracts';
import type { LogCapture, RunningApp } from './apps';
import { DisposableRedisServer, waitUntil } from './redis';

export interface AppUnderTest extends RunningApp {
  logs: LogCapture;
  /** GET /metrics on the app's metrics listener (not its API port). */
  metricsUrl: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function expectErrorShape(body: unknown, code: string): void {
  const error = (body as ErrorResponse).error;
  expect(error).toEqual(
    expect.objectContaining({ code, message: expect.any(String), type: expect.any(String), details: expect.any(Object) }),
  );
  expect(error).toHaveProperty('param');
}

export interface HttpConventionsOptions {
  /** Must match how `start` configured the app. */
  bodyLimitBytes: number;
  /** A route of the app that takes a JSON body; content-type checks need one (an unknown route is a 404 first). */
  jsonPostPath?: string;
}

/** The HTTP conventions of docs/decisions.md, the same for both services: run against each app's real HTTP server. */
export function describeHttpConventions(start: () => Promise<AppUnderTest>, { bodyLimitBytes, jsonPostPath }: HttpConventionsOptions): void {
  const postPath = jsonPostPath ?? '/health';
  describe('HTTP conventions (docs/decisions.md)', () => {
    let app: AppUnderTest;
    beforeAll(async () => {
      app = await start();
    });
    afterAll(() => app?.close());

    it('generates an x-request-id, or echoes a sane one from the request', async () => {
      const generated = await fetch(`${app.url}/health/live`);
      expect(generated.headers.get('x-request-id')).toMatch(UUID);
      const echoed = await fetch(`${app.url}/health/live`, { headers: { 'x-request-id': 'trace-abc.123' } });
      expect(echoed.headers.get('x-request-id')).toBe('trace-abc.123');
      const refused = await fetch(`${app.url}/health/live`, { headers: { 'x-request-id': 'has spaces; and=more' } });
      expect(refused.headers.get('x-request-id')).toMatch(UUID);
    });

    it('accepts paths with and without a trailing slash', async () => {
      expect((await fetch(`${app.url}/health/live`)).status).toBe(200);
      expect((await fetch(`${app.url}/health/live/`)).status).toBe(200);
    });

    it('answers an unknown route and an unknown method with 404 in the error shape', async () => {
      const route = await fetch(`${app.url}/no/such/route`);
      expect(route.status).toBe(404);
      expectErrorShape(await route.json(), 'not_found');
      const method = await fetch(`${app.url}/health/live`, { method: 'DELETE' });
      expect(method.status).toBe(404);
      expectErrorShape(await method.json(), 'not_found');
    });

    it('answers invalid JSON with 400 invalid_json', async () => {
      for (const body of ['{"unterminated": ', '{"__proto__": {"admin": true}}', '\u00ff\u00fe not json']) {
        const response = await fetch(`${app.url}${postPath}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        expect(response.status).toBe(400);
        expectErrorShape(await response.json(), 'invalid_json');
      }
      const invalidUtf8 = await fetch(`${app.url}${postPath}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0xff, 0x7d]),
      });
      expect(invalidUtf8.status).toBe(400);
    });

    if (jsonPostPath) {
      it('answers a content type other than JSON with 415', async () => {
        const response = await fetch(`${app.url}${jsonPostPath}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
        expect(response.status).toBe(415);
        expectErrorShape(await response.json(), 'unsupported_media_type');
      });
    }

    it('answers a body over the limit with 413', async () => {
      const response = await fetch(`${app.url}${postPath}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ padding: 'x'.repeat(bodyLimitBytes) }),
      });
      expect(response.status).toBe(413);
      expectErrorShape(await response.json(), 'payload_too_large');
    });

    it('serves Prometheus metrics on their own port, with the request histogram labelled by route pattern', async () => {
      await fetch(`${app.url}/health/live`);
      expect(new URL(app.metricsUrl).port).not.toBe(new URL(app.url).port);
      const response = await fetch(app.metricsUrl);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain');
      const text = await response.text();
      expect(text).toContain('process_cpu_seconds_total');
      expect(text).toMatch(/http_server_request_duration_seconds_count\{[^}]*route="\/health\/live"[^}]*\} [1-9]/);
    });

    it('answers GET /metrics on the API port with 404: the API port is what an ingress exposes', async () => {
      const response = await fetch(`${app.url}/metrics`);
      expect(response.status).toBe(404);
      expectErrorShape(await response.json(), 'not_found');
      for (const path of ['/metrics/', '/Metrics', '/%6detrics']) expect(await (await fetch(`${app.url}${path}`)).text()).not.toContain('process_cpu_seconds_total');
    });

    it('logs requests as JSON lines with the request id, and never credentials', async () => {
      const secret = 'slk_live_SuperSecretValue0123456789abcdef';
      await fetch(`${app.url}/no/such/route`, {
        headers: { authorization: `Bearer ${secret}`, 'x-api-key': secret, cookie: `access_token=${secret}`, 'x-request-id': 'log-check-1' },
      });
      await waitUntil(() => app.logs.text.includes('log-check-1'), 2_000, 'the request log line');
      const line = app.logs.records().find((record) => JSON.stringify(record).includes('log-check-1'));
      expect(line).toEqual(expect.objectContaining({ level: 'warn', msg: 'request completed' }));
      expect(app.logs.text).not.toContain(secret);
    });
  });
}

/**
 * Readiness follows Redis: 503 while it is down, 200 again once it is back,
 * without a restart. Uses a private redis-server so the shared one is never stopped.
 */
export function describeRedisOutageRecovery(start: (redisUrl: string) => Promise<RunningApp>): void {
  describe('readiness across a Redis outage', () => {
    let redis: DisposableRedisServer;
    let app: RunningApp;
    beforeAll(async () => {
      redis = await DisposableRedisServer.start();
      app = await start(redis.url);
    });
    afterAll(async () => {
      await app?.close();
      await redis?.stop();
    });

    const readyStatus = async () => (await fetch(`${app.url}/health/ready`)).status;

    it('answers 503 while Redis is down and 200 again once it is back', async () => {
      await waitUntil(async () => (await readyStatus()) === 200, 5_000, 'ready before the outage');

      await redis.stop();
      await waitUntil(async () => (await readyStatus()) === 503, 5_000, 'not ready during the outage');
      const during = await fetch(`${app.url}/health/ready`);
      expectErrorShape(await during.json(), 'not_ready');
      expect((await fetch(`${app.url}/health/live`)).status).toBe(200);

      await redis.start();
      await waitUntil(async () => (await readyStatus()) === 200, 10_000, 'ready after Redis returned');
    });
  });
}
