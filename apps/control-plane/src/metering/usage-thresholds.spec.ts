import { Test } from '@nestjs/testing';
import { UnitOfWork, type UsageEventInput } from '@sluice/control-plane/data-access';
import { fakeSeams, FakeDatabase } from '../testing/fakes';
import { UsageThresholds } from './usage-thresholds';

function usageEvent(tenantId: string, apiKeyId: string): UsageEventInput {
  const now = new Date().toISOString();
  return {
    request_id: `req-${Math.random()}`, tenant_id: tenantId, api_key_id: apiKeyId, team_id: null, environment: 'live', model: 'm', provider: 'p', deployment: null,
    prompt_tokens: 1, completion_tokens: 1, cost_micros: 1, usage_source: 'provider', outcome: 'completed', http_status: 200, latency_ms: 1, time_to_first_token_ms: null,
    started_at: now, finished_at: now,
  } as UsageEventInput;
}

describe('UsageThresholds', () => {
  let db: FakeDatabase;
  let thresholds: UsageThresholds;
  let unitOfWork: UnitOfWork;

  beforeEach(async () => {
    db = new FakeDatabase();
    const moduleRef = await Test.createTestingModule({ providers: [UsageThresholds, ...fakeSeams(db)] }).compile();
    thresholds = moduleRef.get(UsageThresholds);
    unitOfWork = moduleRef.get(UnitOfWork);
  });

  const check = (tenantId: string, keyId: string) => unitOfWork.run((tx) => thresholds.check(tx, [usageEvent(tenantId, keyId)]));
  const crossings = () => db.tables.webhookEvents.filter((event) => event.type === 'usage.threshold').map((event) => `${event.data['subject']}@${event.data['threshold_percent']}`);

  it('announces 80 % and 100 % of a period quota once each', async () => {
    const tenant = db.tenant({ quota_overrides: { api_calls_limit: 10 } });
    const key = db.key(tenant);
    db.usage.set(tenant.id, { api_calls: 7, ai_tokens: 0 });
    await check(tenant.id, key.id);
    expect(crossings()).toEqual([]);
    db.usage.set(tenant.id, { api_calls: 8, ai_tokens: 0 });
    await check(tenant.id, key.id);
    await check(tenant.id, key.id);
    expect(crossings()).toEqual(['quota.api_calls@80']);
    db.usage.set(tenant.id, { api_calls: 12, ai_tokens: 0 });
    await check(tenant.id, key.id);
    await check(tenant.id, key.id);
    expect(crossings()).toEqual(['quota.api_calls@80', 'quota.api_calls@100']);
    expect(db.tables.webhookEvents.at(-1)?.data).toEqual(expect.objectContaining({ tenant: tenant.id, used: 12, limit: 10, unit: 'requests' }));
  });

  it("announces a key's budget and the credits bought", async () => {
    const tenant = db.tenant();
    const key = db.key(tenant, { limits: { budget_usd: 1, budget_period: 'total' } });
    db.dailyUsage.push({ tenantId: tenant.id, apiKeyId: key.id, day: new Date().toISOString().slice(0, 10), model: 'm', environment: 'live', requests: 1, promptTokens: 1, completionTokens: 1, costMicros: 850_000 });
    db.tables.balances.set(tenant.id, { balance: 0n, topUps: 5_000_000n });
    await check(tenant.id, key.id);
    expect(crossings().sort()).toEqual([`budget.key:${key.id}@80`, 'credits@100', 'credits@80']);
  });

  it('checks every tenant and key of a batch, never under another tenant', async () => {
    const [a, b] = [db.tenant({ quota_overrides: { api_calls_limit: 10 } }), db.tenant({ quota_overrides: { api_calls_limit: 10 } })];
    const [keyA, keyB] = [db.key(a, { limits: { budget_usd: 1, budget_period: 'total' } }), db.key(b)];
    db.usage.set(a.id, { api_calls: 8, ai_tokens: 0 });
    db.usage.set(b.id, { api_calls: 10, ai_tokens: 0 });
    db.dailyUsage.push({ tenantId: a.id, apiKeyId: keyA.id, day: new Date().toISOString().slice(0, 10), model: 'm', environment: 'live', requests: 1, promptTokens: 1, completionTokens: 1, costMicros: 900_000 });
    // B's event names A's key: its budget is not B's to cross.
    await unitOfWork.run((tx) => thresholds.check(tx, [usageEvent(a.id, keyA.id), usageEvent(b.id, keyB.id), usageEvent(b.id, keyA.id)]));
    const byTenant = db.tables.webhookEvents
      .filter((event) => event.type === 'usage.threshold')
      .map((event) => `${event.data['tenant']}:${event.data['subject']}@${event.data['threshold_percent']}`)
      .sort();
    expect(byTenant).toEqual(
      [`${a.id}:quota.api_calls@80`, `${a.id}:budget.key:${keyA.id}@80`, `${b.id}:quota.api_calls@80`, `${b.id}:quota.api_calls@100`].sort(),
    );
  });
});
