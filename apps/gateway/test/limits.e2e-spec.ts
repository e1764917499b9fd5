import { RedisKeys } from '@sluice/contracts';
import { startMockProvider, type MockProvider } from '@sluice/mock-provider';
import { expectErrorShape, waitUntil } from '@sluice/testing';
import { GatewayFixtures, MOCK_CREDENTIAL_ENV, MOCK_CREDENTIAL_VALUE, mockDeployment, mockModel } from './gateway-fixtures';
import { startGateway, type GatewayUnderTest } from './gateway-harness';

describe('gateway limits', () => {
  let mock: MockProvider;
  let gateway: GatewayUnderTest;
  let fixtures: GatewayFixtures;

  beforeAll(async () => {
    mock = await startMockProvider();
    gateway = await startGateway({ [MOCK_CREDENTIAL_ENV]: MOCK_CREDENTIAL_VALUE, RATE_LIMIT_PER_MINUTE: '2' });
    fixtures = new GatewayFixtures(gateway.redisKeyPrefix);
    await fixtures.catalog([mockModel('mock-chat', [mockDeployment('mock-chat/0', mock.url, 'mock-fast')])]);
  });
  afterAll(async () => {
    await fixtures?.close();
    await gateway?.close();
    await mock?.close();
  });

  function chat(secret: string, stream = false): Promise<Response> {
    return fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ model: 'mock-chat', stream, messages: [{ role: 'user', content: 'Hi' }] }),
    });
  }

  it('admits 3 requests a minute at rpm=3 and refuses the 4th with 429, Retry-After and rate-limit headers', async () => {
    const tenant = await fixtures.tenant({ limits: { rpm: 3 } });
    const { secret } = await fixtures.apiKey(tenant);
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await chat(secret, i === 2);
      expect(response.status).toBe(200);
      expect(response.headers.get('X-RateLimit-Limit')).toBe('3');
      remaining.push(response.headers.get('x-ratelimit-remaining-requests') ?? '');
      await response.text();
    }
    expect(remaining).toEqual(['2', '1', '0']);

    const refused = await chat(secret);
    expect(refused.status).toBe(429);
    expectErrorShape(await refused.json(), 'rate_limit_exceeded');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(refused.headers.get('X-RateLimit-Remaining')).toBe('0');
    expect(refused.headers.get('x-ratelimit-limit-requests')).toBe('3');
    expect(Number(refused.headers.get('X-RateLimit-Reset'))).toBeGreaterThan(Date.now() / 1000 - 1);
  });

  it('applies RATE_LIMIT_PER_MINUTE to a tenant whose plan sets no rate', async () => {
    const tenant = await fixtures.tenant({ limits: {} });
    const { secret } = await fixtures.apiKey(tenant);
    expect((await chat(secret)).status).toBe(200);
    expect((await chat(secret)).status).toBe(200);
    expect((await chat(secret)).status).toBe(429);
  });

  it('refuses a prepaid tenant without credit with 402 insufficient_credits naming the top-up route', async () => {
    const tenant = await fixtures.tenant({ billing_mode: 'prepaid' });
    const { secret } = await fixtures.apiKey(tenant);
    const response = await chat(secret);
    expect(response.status).toBe(402);
    const body = (await response.json()) as { error: { message: string; details: Record<string, unknown> } };
    expectErrorShape(body, 'insufficient_credits');
    expect(body.error.details).toEqual({ level: 'tenant', limit: 'credits', retry_after_seconds: null, top_up: `POST /api/tenants/${tenant.slug}/credits/` });
    expect(body.error.message).toContain(`POST /api/tenants/${tenant.slug}/credits/`);
  });

  it('reserves credit for a prepaid tenant and charges the actual cost once settled', async () => {
    const tenant = await fixtures.tenant({ billing_mode: 'prepaid' });
    const { secret } = await fixtures.apiKey(tenant);
    const balanceKey = RedisKeys.credits(tenant.id);
    await fixtures.redis.set(balanceKey, '1000000');
    const response = await chat(secret);
    expect(response.status).toBe(200);
    const { usage } = (await response.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
    // The test model costs 1 µUSD per prompt token and 2 per completion token.
    const cost = usage.prompt_tokens + 2 * usage.completion_tokens;
    await waitUntil(async () => Number(await fixtures.redis.get(balanceKey)) === 1_000_000 - cost, 2_000, 'the charge');
  });

  it('refuses past the key’s concurrency limit with 429 concurrency_limit_exceeded', async () => {
    const tenant = await fixtures.tenant();
    const { secret } = await fixtures.apiKey(tenant, { limits: { max_concurrency: 0 } });
    const response = await chat(secret);
    expect(response.status).toBe(429);
    expectErrorShape(await response.json(), 'concurrency_limit_exceeded');
  });

  it('frees the concurrency slot once a request is settled, streamed or not', async () => {
    const tenant = await fixtures.tenant();
    const { secret } = await fixtures.apiKey(tenant, { limits: { max_concurrency: 1 } });
    for (const stream of [false, true, false]) {
      // Settlement follows the response by one Redis round trip; without it the slot would stay held for the whole hold TTL.
      await waitUntil(
        async () => {
          const response = await chat(secret, stream);
          await response.text();
          return response.status === 200;
        },
        2_000,
        'the slot to be free again',
      );
    }
  });

  it('counts limit rejections in Prometheus by reason', async () => {
    const text = await (await fetch(gateway.metricsUrl)).text();
    expect(text).toMatch(/sluice_gateway_limit_rejections_total\{[^}]*reason="rate_limit_exceeded"[^}]*\} [1-9]/);
    expect(text).toMatch(/sluice_gateway_request_duration_seconds_count\{[^}]*endpoint="chat_completions"[^}]*provider="mock"[^}]*\} [1-9]/);
    expect(text).toMatch(/sluice_gateway_tokens_total\{[^}]*provider="mock",type="completion",source="provider"[^}]*\} [1-9]/);
    expect(text).toContain('sluice_gateway_time_to_first_token_seconds_count');
    expect(text).toMatch(/sluice_gateway_upstream_duration_seconds_count\{[^}]*provider="mock",outcome="200"[^}]*\} [1-9]/);
    expect(text).not.toMatch(/tenant/);
  });
});
