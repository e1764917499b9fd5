import { RedisKeys } from '@sluice/contracts';
import { waitUntil } from '@sluice/testing';
import { randomUUID } from 'node:crypto';
import type { Call } from './api-client';
import { startIdentityWorld, type IdentityWorld } from './identity-fixture';
import { LedgerProbe, usageEvent, UsageStreamClient } from './usage-stream-client';

interface QuotaBody {
  api_calls_limit: number;
  api_calls_used: number;
  ai_tokens_limit: number;
  ai_tokens_used: number;
  max_users: number;
}

describe('metering, plans, credits and usage (docs/limits.md)', () => {
  let world: IdentityWorld;
  let stream: UsageStreamClient;
  let ledger: LedgerProbe;
  let admin: Call;

  beforeAll(async () => {
    world = await startIdentityWorld({ METERING_CLAIM_IDLE_MS: '300' });
    stream = new UsageStreamClient(world.app.redisKeyPrefix);
    ledger = new LedgerProbe(world.app.databaseUrl);
    await ledger.connect();
    admin = (method, path, options = {}) => world.call(method, path, { token: world.tokens.platform_admin, ...options });
  });
  afterAll(async () => {
    stream?.close();
    await ledger?.close();
    await world?.app.close();
  });

  const eventCount = (tenantId: string) => ledger.scalar('SELECT count(*) AS value FROM usage_events WHERE tenant_id = $1', [tenantId]);

  describe('the usage consumer', () => {
    it('records appended events with their daily rollups, and the tenant quota shows the usage', async () => {
      const tenantId = world.tenantA.id;
      const key = randomUUID();
      await stream.append(
        usageEvent({ tenant_id: tenantId, api_key_id: key, model: 'gpt-4o', prompt_tokens: 100, completion_tokens: 50, cost_micros: 1_000 }),
        usageEvent({ tenant_id: tenantId, api_key_id: key, model: 'gpt-4o', prompt_tokens: 10, completion_tokens: 5, cost_micros: 100 }),
        usageEvent({ tenant_id: tenantId, api_key_id: key, model: 'mock-fast', environment: 'test', prompt_tokens: 1, completion_tokens: 2, cost_micros: 0 }),
      );
      await waitUntil(async () => (await eventCount(tenantId)) === 3, 10_000, 'three events');
      await stream.waitDrained();

      const byModel = await world.call<{ totals: Record<string, number>; results: Array<Record<string, unknown>> }>(
        'GET',
        `/api/tenants/${world.tenantA.slug}/usage/?group_by=model`,
        { token: world.tokens.viewer },
      );
      expect(byModel.status).toBe(200);
      expect(byModel.body.results).toEqual([
        expect.objectContaining({ model: 'gpt-4o', requests: 2, prompt_tokens: 110, completion_tokens: 55, total_tokens: 165, cost_micros: 1_100, cost_usd: 0.0011 }),
        expect.objectContaining({ model: 'mock-fast', requests: 1, prompt_tokens: 1, completion_tokens: 2, cost_micros: 0 }),
      ]);
      expect(byModel.body.totals).toEqual(expect.objectContaining({ requests: 3, total_tokens: 168, cost_micros: 1_100 }));

      const byEnvironment = await world.call<{ results: Array<Record<string, unknown>> }>('GET', `/api/tenants/${world.tenantA.slug}/usage/?group_by=environment`, {
        token: world.tokens.viewer,
      });
      expect(byEnvironment.body.results).toEqual([expect.objectContaining({ environment: 'live', requests: 2 }), expect.objectContaining({ environment: 'test', requests: 1 })]);

      const byDay = await world.call<{ results: Array<Record<string, unknown>> }>('GET', `/api/tenants/${world.tenantA.slug}/usage/`, { token: world.tokens.viewer });
      expect(byDay.body.results).toEqual([expect.objectContaining({ day: new Date().toISOString().slice(0, 10), requests: 3 })]);

      const quota = await world.call<QuotaBody>('GET', `/api/tenants/${world.tenantA.slug}/quota/`, { token: world.tokens.viewer });
      expect(quota.body).toEqual(expect.objectContaining({ api_calls_used: 3, ai_tokens_used: 168 }));
      // A postpaid tenant's usage leaves the credit ledger alone.
      expect(await ledger.scalar('SELECT count(*) AS value FROM credit_ledger WHERE tenant_id = $1', [tenantId])).toBe(0);

      // reset_quota starts a new period: the usage so far no longer counts against the quota, the rollups keep it.
      const reset = await admin<QuotaBody & { last_reset_at: string }>('POST', `/api/tenants/${world.tenantA.slug}/reset_quota/`);
      expect(reset.body).toEqual(expect.objectContaining({ api_calls_used: 0, ai_tokens_used: 0 }));
      await stream.append(usageEvent({ tenant_id: tenantId, api_key_id: key, prompt_tokens: 4, completion_tokens: 1 }));
      await stream.waitDrained();
      const after = await admin<QuotaBody>('GET', `/api/tenants/${world.tenantA.slug}/quota/`);
      expect(after.body).toEqual(expect.objectContaining({ api_calls_used: 1, ai_tokens_used: 5 }));
    });

    it('counts a request id once, however often it is delivered', async () => {
      const tenantId = world.tenantB.id;
      const event = usageEvent({ tenant_id: tenantId, prompt_tokens: 7, completion_tokens: 3 });
      await stream.append(event, event);
      await stream.waitDrained();
      await stream.append(event);
      await stream.waitDrained();
      expect(await eventCount(tenantId)).toBe(1);
      expect(await ledger.scalar('SELECT sum(requests) AS value FROM usage_daily WHERE tenant_id = $1', [tenantId])).toBe(1);
      expect(await ledger.scalar('SELECT sum(api_calls) AS value FROM tenant_period_usage WHERE tenant_id = $1', [tenantId])).toBe(1);
      const metrics = await (await fetch(world.app.metricsUrl)).text();
      expect(metrics).toMatch(/sluice_usage_events_processed_total\{outcome="duplicate"[^}]*\} [2-9]/);
    });

    it("keeps each key's last_used_at to the minute: written when a batch is a minute newer, never moved back", async () => {
      const created = await admin<{ id: string; last_used_at: string | null }>('POST', '/api/api-keys/', { body: { tenant: world.tenantA.id, name: 'last used' } });
      expect(created.status).toBe(201);
      expect(created.body.last_used_at).toBeNull();
      const keyId = created.body.id;
      const lastUsedAfter = async (finishedAt: number): Promise<string | null> => {
        const at = new Date(finishedAt).toISOString();
        await stream.append(usageEvent({ tenant_id: world.tenantA.id, api_key_id: keyId, started_at: at, finished_at: at }));
        await stream.waitDrained();
        return (await admin<{ last_used_at: string | null }>('GET', `/api/api-keys/${keyId}/`)).body.last_used_at;
      };
      const first = Date.now() - 10 * 60_000;
      expect(await lastUsedAfter(first)).toBe(new Date(first).toISOString());
      // Within the minute: no write.
      expect(await lastUsedAfter(first + 30_000)).toBe(new Date(first).toISOString());
      // An older event (a late redelivery) never moves it back.
      expect(await lastUsedAfter(first - 5 * 60_000)).toBe(new Date(first).toISOString());
      expect(await lastUsedAfter(first + 2 * 60_000)).toBe(new Date(first + 2 * 60_000).toISOString());
      // A gateway clock ahead of the database's is not believed past now.
      const before = Date.now();
      const ahead = await lastUsedAfter(Date.now() + 60 * 60_000);
      expect(Date.parse(ahead ?? '')).toBeGreaterThanOrEqual(before - 1_000);
      expect(Date.parse(ahead ?? '')).toBeLessThanOrEqual(Date.now() + 1_000);
    });

    it('moves an invalid event to the dead-letter stream with its reason, acknowledged, and counts it', async () => {
      await stream.append('not json', JSON.stringify({ ...usageEvent({ tenant_id: world.tenantA.id }), prompt_tokens: -5 }), JSON.stringify({ v: 2, request_id: 'x' }));
      await stream.waitDrained();
      const letters = await stream.deadLetters();
      expect(letters.map((letter) => letter['reason'])).toEqual([
        'event is not valid JSON',
        expect.stringMatching(/^prompt_tokens must be a whole number/),
        'unsupported event version 2',
      ]);
      expect(letters[0]).toEqual(expect.objectContaining({ event: 'not json', source_id: expect.stringMatching(/^\d+-\d+$/) }));
      const metrics = await (await fetch(world.app.metricsUrl)).text();
      expect(metrics).toMatch(/sluice_usage_dead_letters_total\{reason="invalid"[^}]*\} 3/);
    });
  });

  describe('plans', () => {
    it('lists the seeded plans to anyone signed in, and only platform admins write them', async () => {
      const list = await world.call<{ count: number; results: Array<{ id: string }> }>('GET', '/api/plans/', { token: world.tokens.viewer });
      expect(list.status).toBe(200);
      expect(list.body.results.map((plan) => plan.id)).toEqual(expect.arrayContaining(['free', 'basic', 'professional', 'enterprise', 'prepaid', 'prepaid-professional']));
      expect((await world.call('GET', '/api/plans/')).status).toBe(401);
      const body = { id: 'team-plan', name: 'Team', billing_mode: 'prepaid', limits: { rpm: 100, api_calls_per_period: 500 }, entitlements: { sso: true } };
      expect((await world.call('POST', '/api/plans/', { token: world.tokens.owner, body })).status).toBe(403);
      const created = await admin<{ limits: Record<string, number | null> }>('POST', '/api/plans/', { body });
      expect(created.status).toBe(201);
      expect(created.body.limits).toEqual(expect.objectContaining({ rpm: 100, api_calls_per_period: 500, tpm: null }));
      expect((await admin('POST', '/api/plans/', { body })).status).toBe(409);
      const patched = await admin<{ limits: Record<string, number | null> }>('PATCH', '/api/plans/team-plan/', { body: { limits: { tpm: 9 } } });
      expect(patched.body.limits).toEqual(expect.objectContaining({ rpm: 100, tpm: 9 }));
    });

    it("the subscription tiers are postpaid, prepaid credit is a plan of its own, the free plan reaches only sandbox and cheap models", async () => {
      const list = await admin<{ results: Array<{ id: string; billing_mode: string; allowed_models: string[] | null }> }>('GET', '/api/plans/?page_size=100');
      const byId = Object.fromEntries(list.body.results.map((plan) => [plan.id, plan]));
      for (const tier of ['basic', 'professional', 'enterprise', 'free']) expect([tier, byId[tier].billing_mode]).toEqual([tier, 'postpaid']);
      for (const prepaid of ['prepaid', 'prepaid-professional']) expect([prepaid, byId[prepaid].billing_mode]).toEqual([prepaid, 'prepaid']);
      expect(byId['free'].allowed_models).toEqual(['mock-*', 'gpt-4o-mini', 'claude-3-haiku']);
      expect(byId['basic'].allowed_models).toBeNull();
    });

    it('refuses to delete the plans new tenants get (409)', async () => {
      for (const id of ['basic', 'free']) {
        const response = await admin<{ error: { code: string } }>('DELETE', `/api/plans/${id}/`);
        expect([id, response.status, response.body.error.code]).toEqual([id, 409, 'conflict']);
      }
    });

    it('refuses bad plans with field details', async () => {
      const negative = await admin<{ error: { code: string; details: Record<string, string[]> } }>('POST', '/api/plans/', {
        body: { id: 'bad', name: 'Bad', billing_mode: 'weekly', limits: { rpm: -1, tpm: 1.5 }, price_monthly_cents: -3 },
      });
      expect(negative.status).toBe(400);
      expect(negative.body.error.code).toBe('validation_error');
      expect(Object.keys(negative.body.error.details)).toEqual(expect.arrayContaining(['billing_mode', 'limits.rpm', 'limits.tpm', 'price_monthly_cents']));
      const entitlements = await admin('POST', '/api/plans/', { body: { id: 'bad2', name: 'Bad', entitlements: { sso: 'yes' } } });
      expect(entitlements.status).toBe(400);
    });

    it('assigns a plan: the quota limits follow it, overrides still win; unknown plans are a 400', async () => {
      const slug = world.tenantB.slug;
      const unknown = await admin<{ error: { code: string; param: string } }>('POST', `/api/tenants/${slug}/plan/`, { body: { plan: 'no-such-plan' } });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.param).toBe('plan');
      expect((await admin('PATCH', `/api/tenants/${slug}/`, { body: { subscription_tier: 'no-such-plan' } })).status).toBe(400);
      expect((await world.call('POST', `/api/tenants/${slug}/plan/`, { token: world.tokens.outsider, body: { plan: 'professional' } })).status).toBe(403);

      const before = await admin<{ quota: QuotaBody }>('GET', `/api/tenants/${slug}/`);
      // Created without a tier: `basic` (docs/limits.md, "Plans").
      expect(before.body.quota).toEqual(expect.objectContaining({ api_calls_limit: 1_000_000, ai_tokens_limit: 20_000_000 }));
      const assigned = await admin<{ subscription_tier: string; quota: QuotaBody }>('POST', `/api/tenants/${slug}/plan/`, { body: { plan: 'professional' } });
      expect(assigned.status).toBe(200);
      expect(assigned.body.subscription_tier).toBe('professional');
      expect(assigned.body.quota).toEqual(expect.objectContaining({ api_calls_limit: 10_000_000, ai_tokens_limit: 200_000_000, max_users: 500 }));

      await admin('PATCH', `/api/tenants/${slug}/`, { body: { quota: { api_calls_limit: 42 } } });
      const quota = await admin<QuotaBody>('GET', `/api/tenants/${slug}/quota/`);
      expect(quota.body).toEqual(expect.objectContaining({ api_calls_limit: 42, ai_tokens_limit: 200_000_000 }));

      const entitlement = await world.call('GET', `/api/tenants/${slug}/entitlements/?feature=priority_support`, { token: world.tokens.outsider });
      expect(entitlement.body).toEqual({ tenant: slug, plan: 'professional', feature: 'priority_support', entitled: true, value: true });
      const all = await world.call<{ entitlements: Record<string, unknown> }>('GET', `/api/tenants/${slug}/entitlements/`, { token: world.tokens.outsider });
      expect(all.body.entitlements).toEqual(expect.objectContaining({ audit_export: true }));
      expect((await world.call('GET', `/api/tenants/${slug}/entitlements/`, { token: world.tokens.viewer })).status).toBe(404);
    });
  });

  describe('credits', () => {
    it('a top-up appends to the ledger and adds to the Redis balance without erasing settled spend', async () => {
      const { slug, id } = world.tenantA;
      const first = await admin<{ balance_micros: number; live_balance_micros: number; entry: { amount_micros: number; kind: string } }>(
        'POST',
        `/api/tenants/${slug}/credits/`,
        { body: { amount_usd: 12.345678, reason: 'welcome credit' } },
      );
      expect(first.status).toBe(201);
      expect(first.body.entry).toEqual(expect.objectContaining({ kind: 'top_up', amount_micros: 12_345_678 }));
      expect(first.body.balance_micros).toBe(12_345_678);
      expect(await stream.redis.get(RedisKeys.credits(id))).toBe('12345678');

      // The gateway settles spend in Redis; a later top-up adds to what is left.
      await stream.redis.decrby(RedisKeys.credits(id), 345_678);
      await admin('POST', `/api/tenants/${slug}/credits/`, { body: { amount_usd: 1, reason: 'more' } });
      expect(await stream.redis.get(RedisKeys.credits(id))).toBe('13000000');

      const read = await world.call<{ balance_micros: number; live_balance_micros: number; count: number; results: Array<{ reason: string }> }>(
        'GET',
        `/api/tenants/${slug}/credits/?page_size=1`,
        { token: world.tokens.admin },
      );
      expect(read.status).toBe(200);
      expect(read.body).toEqual(expect.objectContaining({ balance_micros: 13_345_678, live_balance_micros: 13_000_000, count: 2 }));
      expect(read.body.results).toEqual([expect.objectContaining({ reason: 'more' })]);
      expect((await world.call('GET', `/api/tenants/${slug}/credits/`, { token: world.tokens.viewer })).status).toBe(403);

      const audit = await admin<{ results: Array<{ event_type: string }> }>('GET', `/api/audit/events/?tenant_id=${id}&event_type=credits.`);
      expect(audit.body.results.length).toBe(2);
    });

    it('a prepaid tenant is debited once per live or staging request, never for test or development; a lost Redis balance is rebuilt from the ledger', async () => {
      const { slug, id } = world.tenantA;
      await admin('POST', `/api/tenants/${slug}/plan/`, { body: { plan: 'prepaid' } });
      const live = usageEvent({ tenant_id: id, cost_micros: 5_000 });
      await stream.append(
        live,
        live,
        usageEvent({ tenant_id: id, environment: 'test', cost_micros: 7_000 }),
        usageEvent({ tenant_id: id, environment: 'staging', cost_micros: 1_000 }),
        usageEvent({ tenant_id: id, environment: 'development', cost_micros: 9_000 }),
      );
      await stream.waitDrained();
      expect(await ledger.scalar(`SELECT count(*) AS value FROM credit_ledger WHERE tenant_id = $1 AND kind = 'usage'`, [id])).toBe(2);
      const ledgerSum = await ledger.scalar('SELECT sum(amount_micros) AS value FROM credit_ledger WHERE tenant_id = $1', [id]);
      expect(ledgerSum).toBe(13_345_678 - 5_000 - 1_000);
      const byEnvironment = await admin<{ results: Array<{ environment: string; requests: number }> }>('GET', `/api/tenants/${slug}/usage/?group_by=environment`);
      expect(byEnvironment.body.results.map(({ environment }) => environment)).toEqual(expect.arrayContaining(['development', 'live', 'staging', 'test']));
      const read = await admin<{ balance_micros: number; billing_mode: string }>('GET', `/api/tenants/${slug}/credits/`);
      expect(read.body).toEqual(expect.objectContaining({ balance_micros: ledgerSum, billing_mode: 'prepaid' }));

      // Redis lost the tenant's credit state: the next top-up rebuilds it as the ledger's balance.
      await stream.redis.del(RedisKeys.credits(id), RedisKeys.creditTopUpsApplied(id));
      await admin('POST', `/api/tenants/${slug}/credits/`, { body: { amount_usd: 0.000001, reason: 'rounding' } });
      expect(Number(await stream.redis.get(RedisKeys.credits(id)))).toBe(ledgerSum + 1);
    });

    it('refuses bad amounts and non-admins', async () => {
      const slug = world.tenantA.slug;
      for (const amount_usd of [-5, 0, 1.0000001, '10', null, 1e12]) {
        const response = await admin<{ error: { code: string; details: Record<string, unknown> } }>('POST', `/api/tenants/${slug}/credits/`, { body: { amount_usd, reason: 'x' } });
        expect([amount_usd, response.status]).toEqual([amount_usd, 400]);
        expect(response.body.error.details).toHaveProperty('amount_usd');
      }
      expect((await admin('POST', `/api/tenants/${slug}/credits/`, { body: { amount_usd: 5 } })).status).toBe(400);
      expect((await world.call('POST', `/api/tenants/${slug}/credits/`, { token: world.tokens.owner, body: { amount_usd: 5, reason: 'x' } })).status).toBe(403);
      expect((await world.call('POST', `/api/tenants/${slug}/credits/`, { token: world.tokens.outsider, body: { amount_usd: 5, reason: 'x' } })).status).toBe(404);
    });
  });

  describe('usage reads', () => {
    it("a key's usage by model; another tenant's key is a 404", async () => {
      const created = await admin<{ id: string }>('POST', '/api/api-keys/', { body: { tenant: world.tenantA.id, name: 'usage' } });
      expect(created.status).toBe(201);
      const keyId = created.body.id;
      await stream.append(usageEvent({ tenant_id: world.tenantA.id, api_key_id: keyId, model: 'm1' }), usageEvent({ tenant_id: world.tenantA.id, api_key_id: keyId, model: 'm2' }));
      await stream.waitDrained();
      const usage = await world.call<{ api_key_id: string; results: Array<Record<string, unknown>> }>('GET', `/api/api-keys/${keyId}/usage/?group_by=model`, {
        token: world.tokens.viewer,
      });
      expect(usage.status).toBe(200);
      expect(usage.body.results).toEqual([expect.objectContaining({ model: 'm1', requests: 1 }), expect.objectContaining({ model: 'm2', requests: 1 })]);
      expect((await world.call('GET', `/api/api-keys/${keyId}/usage/`, { token: world.tokens.outsider })).status).toBe(404);
      expect((await world.call('GET', `/api/api-keys/not-a-uuid/usage/`, { token: world.tokens.viewer })).status).toBe(404);
    });

    it('refuses bad dates, reversed ranges and unknown groupings; the range is inclusive', async () => {
      const path = `/api/tenants/${world.tenantA.slug}/usage/`;
      const get = (query: string) => world.call<{ error: { code: string; details: Record<string, unknown> } }>('GET', `${path}?${query}`, { token: world.tokens.viewer });
      for (const [query, field] of [
        ['from=yesterday', 'from'],
        ['to=2025-13-01', 'to'],
        ['group_by=project', 'group_by'],
        ['from=2025-02-01&to=2025-01-01', 'from'],
      ]) {
        const response = await get(query);
        expect([query, response.status, response.body.error.code]).toEqual([query, 400, 'validation_error']);
        expect(response.body.error.details).toHaveProperty(field);
      }
      const past = await world.call<{ from: string; to: string; results: unknown[] }>('GET', `${path}?from=2020-01-01&to=2020-01-31`, { token: world.tokens.viewer });
      expect(past.body).toEqual(expect.objectContaining({ from: '2020-01-01', to: '2020-01-31', results: [] }));
    });
  });
});
