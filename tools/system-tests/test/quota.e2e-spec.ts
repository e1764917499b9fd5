import { waitUntil } from '@sluice/testing';
import { Cluster } from './support/cluster';
import { burst, chat, createActiveTenant, createKey, createPlan, sleep, sql, statusCounts, type Tenant } from './support/tenants';

interface QuotaView {
  api_calls_limit: number;
  api_calls_used: number;
  quota_reset_at: string;
  last_reset_at: string;
}

/** How far before its first renewal the renewal test puts its tenant: room for the setup and for using up the quota. */
const SECONDS_BEFORE_RENEWAL = 8;

/**
 * Issue 7, "Quota": the period quota (docs/limits.md, "Plans") is counted in Redis per
 * period start, by two gateway processes at once; the control planes meter it
 * and move the period on `reset_quota` and at each period boundary.
 */
describe('period quota across gateway replicas (issue 7)', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await Cluster.start({ controlPlanes: 2, gateways: 2 });
  }, 180_000);

  afterAll(async () => {
    await cluster?.close();
  }, 60_000);

  const quota = async (tenant: Tenant) => (await cluster.call<QuotaView>('GET', `/api/tenants/${tenant.slug}/quota/`, { token: cluster.adminToken })).body;

  /** Until every gateway serves `key` again (a refusal reserves nothing, so polling spends only the one call per gateway that succeeds). */
  async function waitUntilServed(key: string, deadlineMs: number): Promise<void> {
    for (const gateway of cluster.gateways) {
      const served = async () => {
        const response = await chat(gateway.url, key);
        await response.arrayBuffer();
        return response.status === 200;
      };
      await waitUntil(served, deadlineMs, `${gateway.entry.name} to serve the key again`);
    }
  }

  it('a tenant at its period quota gets 429 quota_exceeded on every gateway; reset_quota starts a new period from zero', async () => {
    const calls = 4;
    // The tenant's own override (`PATCH /api/tenants/{id}/` with `quota`) over a plan whose quota is far away.
    const tenant = await createActiveTenant(cluster, await createPlan(cluster), { quota: { api_calls_limit: calls } });
    const { key } = await createKey(cluster, tenant);

    const answers = await burst(cluster, key, 3 * calls);

    expect(statusCounts(answers)).toEqual({ 200: calls, 429: 2 * calls });
    const periodEndSec = Date.parse((await quota(tenant)).quota_reset_at) / 1000;
    for (const refused of answers.filter((answer) => answer.status === 429)) {
      expect(refused.body.error).toMatchObject({ code: 'quota_exceeded', details: { level: 'tenant', limit: 'api_calls_per_period' } });
      // Waiting helps only once the period is over.
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(Math.abs(Date.now() / 1000 + retryAfter - periodEndSec)).toBeLessThan(5);
    }
    await waitUntil(async () => (await quota(tenant)).api_calls_used === calls, 10_000, 'the metered calls in the quota object');

    const reset = await cluster.call<QuotaView>('POST', `/api/tenants/${tenant.slug}/reset_quota/`, { token: cluster.adminToken });
    expect(reset.status).toBe(200);
    expect(reset.body.api_calls_used).toBe(0);

    // A change reaches every gateway within a second (README.md, "API: keys"). One call of the new period is spent per gateway here.
    const spentWaiting = cluster.gateways.length;
    await waitUntilServed(key, 2_000);
    const afterReset = await burst(cluster, key, 3 * calls);
    expect(statusCounts(afterReset)).toEqual({ 200: calls - spentWaiting, 429: 2 * calls + spentWaiting });
    await waitUntil(async () => (await quota(tenant)).api_calls_used === calls, 10_000, "the new period's metered calls");
  });

  it('the quota renews by itself at the period boundary, on every gateway', async () => {
    const calls = 3;
    const plan = await createPlan(cluster, { period_days: 1, limits: { api_calls_per_period: calls } });
    // A period is `period_days` from the tenant's last_reset_at (docs/limits.md "Plans"): the control plane keeps no
    // period to move, renewal is that arithmetic alone. So this tenant is made to look as if it was created (or last
    // reset) a day ago, SECONDS_BEFORE_RENEWAL seconds short, before activation projects it to the gateways.
    const tenant = await createActiveTenant(cluster, plan, {
      beforeActivation: async ({ id }) => {
        await sql(cluster, `UPDATE tenants SET last_reset_at = now() - interval '1 day' + make_interval(secs => $2) WHERE id = $1`, [id, SECONDS_BEFORE_RENEWAL]);
      },
    });
    const boundary = Date.parse((await quota(tenant)).quota_reset_at);
    const { key } = await createKey(cluster, tenant);

    const answers = await burst(cluster, key, 2 * calls);

    expect(statusCounts(answers)).toEqual({ 200: calls, 429: calls });
    for (const refused of answers.filter((answer) => answer.status === 429)) {
      expect(refused.body.error).toMatchObject({ code: 'quota_exceeded', details: { limit: 'api_calls_per_period' } });
      expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(SECONDS_BEFORE_RENEWAL + 1);
    }
    expect(Date.now()).toBeLessThan(boundary);

    await sleep(boundary - Date.now());
    await waitUntilServed(key, 2_000);
    const renewed = await quota(tenant);
    expect(Date.parse(renewed.last_reset_at)).toBe(boundary);
    await waitUntil(async () => (await quota(tenant)).api_calls_used === cluster.gateways.length, 10_000, "the new period's metered calls");
  });
});
