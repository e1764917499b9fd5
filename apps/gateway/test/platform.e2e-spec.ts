import { describeHttpConventions, describeRedisOutageRecovery } from '@sluice/testing';
import { startGateway, type GatewayUnderTest } from './gateway-harness';

const BODY_LIMIT_BYTES = 4096;

describe('gateway platform', () => {
  describe('health', () => {
    let gateway: GatewayUnderTest;
    beforeAll(async () => {
      gateway = await startGateway();
    });
    afterAll(() => gateway?.close());

    it('answers GET /health with its status, service and redis', async () => {
      const response = await fetch(`${gateway.url}/health`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok', service: 'ai-gateway', redis: 'connected' });
    });

    it('answers liveness and readiness', async () => {
      expect(await (await fetch(`${gateway.url}/health/live`)).json()).toEqual({ status: 'ok' });
      const ready = await fetch(`${gateway.url}/health/ready`);
      expect(ready.status).toBe(200);
      // Terminus's @HealthCheck sets it; the gateway's asks for it without the Swagger documentation (docs/decisions.md, issue 22).
      expect(ready.headers.get('cache-control')).toBe('no-cache, no-store, must-revalidate');
      expect(await ready.json()).toEqual(expect.objectContaining({ status: 'ok', info: { redis: { status: 'up' }, projection: { status: 'up' } } }));
    });
  });

  describeHttpConventions(() => startGateway({ GATEWAY_BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES) }), {
    bodyLimitBytes: BODY_LIMIT_BYTES,
    jsonPostPath: '/v1/chat/completions',
  });

  describeRedisOutageRecovery((redisUrl) => startGateway({ REDIS_URL: redisUrl }, { waitForReady: false }));

  it('reports Redis as disconnected on /health while it is unreachable', async () => {
    const gateway = await startGateway({ REDIS_URL: 'redis://127.0.0.1:1/0' }, { waitForReady: false });
    try {
      const response = await fetch(`${gateway.url}/health`);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ status: 'degraded', service: 'ai-gateway', redis: 'disconnected' });
    } finally {
      await gateway.close();
    }
  });
});
