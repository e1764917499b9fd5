import { hashApiKey } from '@sluice/auth';
import { RedisKeys, type ApiKeyRecordV1, type TenantRecordV1 } from '@sluice/contracts';
import { writeProjectionRecord } from '@sluice/projection';
import { startMockProvider, type MockProvider } from '@sluice/mock-provider';
import { DisposableRedisServer, expectErrorShape, waitUntil } from '@sluice/testing';
import Redis from 'ioredis';
import { GatewayFixtures, MOCK_CREDENTIAL_ENV, MOCK_CREDENTIAL_VALUE, mockDeployment, mockModel } from './gateway-fixtures';
import { startGateway, type GatewayUnderTest } from './gateway-harness';

/** Keeps Redis busy (and every other client waiting) for ARGV[1] ms: a Redis that hangs. */
const BUSY_SCRIPT = `
local function nowMs() local t = redis.call('TIME') return t[1] * 1000 + math.floor(t[2] / 1000) end
local start = nowMs()
while nowMs() - start < tonumber(ARGV[1]) do end
return 1`;

interface Key {
  secret: string;
  record: ApiKeyRecordV1;
}

/** One gateway, its projection and the keys it serves. */
interface Side {
  gateway: GatewayUnderTest;
  fixtures: GatewayFixtures;
  postpaid: TenantRecordV1;
  prepaid: TenantRecordV1;
  /** Postpaid, rpm 3: the one the local limiter counts while Redis is down. */
  limitedKey: Key;
  /** Postpaid, used while Redis hangs (its own counters, so the outage's count starts at zero). */
  hangKey: Key;
  prepaidKey: Key;
}

describe('admission while Redis is down', () => {
  let redis: DisposableRedisServer;
  let mock: MockProvider;
  let open: Side;
  let closed: Side;

  async function side(mode: 'fail_open' | 'fail_closed'): Promise<Side> {
    const gateway = await startGateway({
      REDIS_URL: redis.url,
      [MOCK_CREDENTIAL_ENV]: MOCK_CREDENTIAL_VALUE,
      ADMISSION_REDIS_DOWN_MODE: mode,
      ADMISSION_REDIS_TIMEOUT_MS: '300',
    });
    const fixtures = new GatewayFixtures(gateway.redisKeyPrefix, redis.url);
    await writeCatalog(fixtures);
    const postpaid = await fixtures.tenant({ limits: { rpm: 1000 } });
    const prepaid = await fixtures.tenant({ billing_mode: 'prepaid', limits: { rpm: 1000 } });
    await fixtures.redis.set(RedisKeys.credits(prepaid.id), '100000000');
    return {
      gateway,
      fixtures,
      postpaid,
      prepaid,
      limitedKey: await fixtures.apiKey(postpaid, { limits: { rpm: 3 } }),
      hangKey: await fixtures.apiKey(postpaid, { limits: { rpd: 1000, max_concurrency: 5 } }),
      prepaidKey: await fixtures.apiKey(prepaid),
    };
  }

  function writeCatalog(fixtures: GatewayFixtures): Promise<void> {
    return fixtures.catalog([mockModel('mock-chat', [mockDeployment('mock-chat/0', mock.url, 'mock-fast')])]);
  }

  /** What the control plane's projection rebuild does after Redis came back empty. */
  async function rewriteProjection({ fixtures, postpaid, prepaid, limitedKey, hangKey, prepaidKey }: Side): Promise<void> {
    await waitUntil(() => fixtures.redis.status === 'ready', 10_000, 'the fixtures to reconnect');
    await writeCatalog(fixtures);
    for (const tenant of [postpaid, prepaid]) await fixtures.writeTenant(tenant);
    for (const { secret, record } of [limitedKey, hangKey, prepaidKey]) {
      await writeProjectionRecord(fixtures.redis, fixtures.keyPrefix, { kind: 'api_key', id: hashApiKey(secret) }, record);
    }
  }

  function chat({ gateway }: Side, key: Key): Promise<Response> {
    return fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key.secret}` },
      body: JSON.stringify({ model: 'mock-chat', messages: [{ role: 'user', content: 'Hi' }] }),
    });
  }

  async function status(side: Side, key: Key): Promise<number> {
    const response = await chat(side, key);
    await response.text();
    return response.status;
  }

  async function expectUnavailable(response: Response): Promise<void> {
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('2');
    expectErrorShape(await response.json(), 'service_unavailable');
  }

  async function redisDownAdmissions({ gateway }: Side): Promise<Record<string, number>> {
    const text = await (await fetch(gateway.metricsUrl)).text();
    const counts: Record<string, number> = {};
    for (const [, outcome, value] of text.matchAll(/^sluice_gateway_redis_down_admissions_total\{[^}]*outcome="(\w+)"[^}]*\} (\d+)$/gm)) counts[outcome] = Number(value);
    return counts;
  }

  async function ready({ gateway }: Side): Promise<boolean> {
    return (await fetch(`${gateway.url}/health/ready`)).status === 200;
  }

  beforeAll(async () => {
    redis = await DisposableRedisServer.start();
    mock = await startMockProvider();
    open = await side('fail_open');
    closed = await side('fail_closed');
    // Served through Redis once, so the gateways' projection caches hold every key, tenant and the catalog.
    for (const s of [open, closed]) for (const key of [s.limitedKey, s.hangKey, s.prepaidKey]) expect(await status(s, key)).toBe(200);
  }, 60_000);

  afterAll(async () => {
    for (const s of [open, closed]) {
      await s?.fixtures.close().catch(() => undefined);
      await s?.gateway.close();
    }
    await mock?.close();
    await redis?.stop();
  });

  it('does not wait for a Redis that hangs: the admission gives up within its bound, and what the script reserves later is given back', async () => {
    const hang = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    await waitUntil(() => hang.status === 'ready', 5_000, 'the busy client');
    const busy = hang.eval(BUSY_SCRIPT, 0, '4000');
    try {
      const [served, prepaid, refused] = await Promise.all([chat(open, open.hangKey), chat(open, open.prepaidKey), chat(closed, closed.hangKey)]);
      expect(served.status).toBe(200);
      await served.text();
      await expectUnavailable(prepaid);
      await expectUnavailable(refused);
    } finally {
      await busy;
      hang.disconnect();
    }
    // Redis then runs the queued admissions (the day's window counts them after the warm-up's), and both gateways give them back: no slot stays held.
    for (const { fixtures, postpaid, hangKey } of [open, closed]) {
      const subject = `key:${hangKey.record.id}`;
      await waitUntil(
        async () => {
          const admitted = await fixtures.redis.hget(RedisKeys.limitWindow(postpaid.id, subject, 'rpd'), 'n');
          const slots = await fixtures.redis.zcard(RedisKeys.concurrency(postpaid.id, subject));
          return admitted === '2' && slots === 0;
        },
        5_000,
        'the late admission to be released',
      );
    }
  });

  it('fail_open serves postpaid keys within their limits on its own counters, and refuses prepaid ones; fail_closed refuses all', async () => {
    await redis.stop();
    await waitUntil(async () => !(await ready(open)) && !(await ready(closed)), 10_000, 'the gateways to see Redis down');
    // The local limiter counts fixed minutes: start with enough of this one left for the four requests.
    if (new Date().getUTCSeconds() > 50) await waitUntil(() => new Date().getUTCSeconds() < 50, 11_000, 'a fresh minute');

    for (let i = 0; i < 3; i++) expect(await status(open, open.limitedKey)).toBe(200);
    const limited = await chat(open, open.limitedKey);
    expect(limited.status).toBe(429);
    expectErrorShape(await limited.json(), 'rate_limit_exceeded');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.headers.get('x-ratelimit-limit-requests')).toBe('3');
    expect(limited.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    await expectUnavailable(await chat(open, open.prepaidKey));

    await expectUnavailable(await chat(closed, closed.limitedKey));
    await expectUnavailable(await chat(closed, closed.prepaidKey));

    // 1 + 3 served locally (the hang, then the outage), one refused by the local limiter, two prepaid 503s.
    expect(await redisDownAdmissions(open)).toEqual({ admitted_locally: 4, limited_locally: 1, unavailable: 2 });
    expect(await redisDownAdmissions(closed)).toEqual({ admitted_locally: 0, limited_locally: 0, unavailable: 3 });
  });

  it('once Redis is back, the usage of requests served locally reaches the stream and admission goes through Redis again', async () => {
    await redis.start();
    await rewriteProjection(open);
    await waitUntil(() => ready(open), 15_000, 'the gateway to be ready again');

    await waitUntil(async () => (await open.fixtures.usageEventsOf(open.postpaid.id)).filter((event) => event.api_key_id === open.limitedKey.record.id).length >= 3, 10_000, 'the buffered usage');
    const events = (await open.fixtures.usageEventsOf(open.postpaid.id)).filter((event) => event.api_key_id === open.limitedKey.record.id);
    expect(events).toHaveLength(3);
    expect(new Set(events.map((event) => event.request_id)).size).toBe(3);
    for (const event of events) expect(event).toEqual(expect.objectContaining({ outcome: 'completed', http_status: 200 }));

    // Admitted by Redis: its window there counts the request (the local one is full for the minute, too).
    expect(await status(open, open.limitedKey)).toBe(200);
    expect(await open.fixtures.redis.hget(RedisKeys.limitWindow(open.postpaid.id, `key:${open.limitedKey.record.id}`, 'rpm'), 'n')).toBe('1');
    expect((await redisDownAdmissions(open)).admitted_locally).toBe(4);
  });
});
