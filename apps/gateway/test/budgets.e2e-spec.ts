import { RedisKeys, type ErrorResponse, type TenantRecordV1 } from '@sluice/contracts';
import { startMockProvider, type MockProvider } from '@sluice/mock-provider';
import { expectErrorShape, waitUntil } from '@sluice/testing';
import { randomUUID } from 'node:crypto';
import { GatewayFixtures, MOCK_CREDENTIAL_ENV, MOCK_CREDENTIAL_VALUE, mockDeployment, mockModel } from './gateway-fixtures';
import { startGateway, type GatewayUnderTest } from './gateway-harness';

/**
 * Per-key and per-team budgets. The test model costs 1 µUSD per prompt token and
 * 2 per completion token. Each request asks for 30 completion tokens with
 * max_tokens 50, so admission holds about 110 µUSD (estimated prompt + 50 × 2)
 * and settlement charges the actual cost, at least 60 µUSD: a budget of 150 µUSD
 * admits the first request and, once it is settled, refuses the next.
 */
const BUDGET_USD = 0.00015;

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
}

describe('gateway budgets', () => {
  let mock: MockProvider;
  let gateway: GatewayUnderTest;
  let fixtures: GatewayFixtures;
  let tenant: TenantRecordV1;

  beforeAll(async () => {
    mock = await startMockProvider();
    gateway = await startGateway({ [MOCK_CREDENTIAL_ENV]: MOCK_CREDENTIAL_VALUE });
    fixtures = new GatewayFixtures(gateway.redisKeyPrefix);
    await fixtures.catalog([mockModel('mock-chat', [mockDeployment('mock-chat/0', mock.url, 'mock-fast')])]);
    // Postpaid: budgets cap spend whatever the billing mode, with no credit involved.
    tenant = await fixtures.tenant({ billing_mode: 'postpaid' });
  });
  afterAll(async () => {
    await fixtures?.close();
    await gateway?.close();
    await mock?.close();
  });

  function chat(secret: string): Promise<Response> {
    return fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ model: 'mock-chat', max_tokens: 50, messages: [{ role: 'user', content: 'Hi [[mock:tokens=30]]' }] }),
    });
  }

  /** Sends one request that must be served, and returns its actual cost in µUSD. */
  async function servedCost(secret: string): Promise<number> {
    const response = await chat(secret);
    expect(response.status).toBe(200);
    const { usage } = (await response.json()) as { usage: Usage };
    return usage.prompt_tokens + 2 * usage.completion_tokens;
  }

  /** Waits until settlement has replaced the request's hold by its actual cost. */
  async function settledSpend(subject: string, period: string, cost: number): Promise<void> {
    const key = RedisKeys.budgetSpend(tenant.id, subject, period);
    await waitUntil(
      async () => {
        const [spent, held] = await fixtures.redis.hmget(key, 'spent', 'held');
        return Number(spent) === cost && Number(held ?? 0) === 0;
      },
      5_000,
      `the ${subject} budget to be charged ${cost} µUSD`,
    );
  }

  it('refuses a key over its daily budget with 402 insufficient_credits naming the budget, and Retry-After until the day ends', async () => {
    const { secret, record } = await fixtures.apiKey(tenant, { limits: { budget_usd: BUDGET_USD, budget_period: 'day' } });
    const cost = await servedCost(secret);
    expect(cost).toBeGreaterThanOrEqual(60);
    await settledSpend(`key:${record.id}`, `day:${new Date().toISOString().slice(0, 10)}`, cost);

    const refused = await chat(secret);
    expect(refused.status).toBe(402);
    const body = (await refused.json()) as ErrorResponse;
    expectErrorShape(body, 'insufficient_credits');
    expect(body.error.message).toMatch(/API key budget of \$0\.00015 per day/);
    expect(body.error.details).toMatchObject({ level: 'key', limit: 'budget_usd', budget_usd: BUDGET_USD, budget_period: 'day' });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(86_400);
  });

  it("refuses every key of a team once the team's budget is spent, and no key outside the team", async () => {
    const team = { id: randomUUID(), limits: { budget_usd: BUDGET_USD } };
    const first = await fixtures.apiKey(tenant, { team });
    const second = await fixtures.apiKey(tenant, { team });
    const outside = await fixtures.apiKey(tenant);

    const cost = await servedCost(first.secret);
    // A budget without a period is a total budget.
    await settledSpend(`team:${team.id}`, 'total', cost);

    const refused = await chat(second.secret);
    expect(refused.status).toBe(402);
    const body = (await refused.json()) as ErrorResponse;
    expectErrorShape(body, 'insufficient_credits');
    expect(body.error.message).toMatch(/team budget of \$0\.00015 in total/);
    expect(body.error.details).toMatchObject({ level: 'team', limit: 'budget_usd', budget_period: 'total', retry_after_seconds: null });
    // A total budget never renews: waiting does not help, so there is no Retry-After.
    expect(refused.headers.get('retry-after')).toBeNull();

    await servedCost(outside.secret);
  });
});
