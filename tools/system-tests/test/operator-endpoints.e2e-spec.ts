import { waitUntil } from '@sluice/testing';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Cluster } from './support/cluster';
import { awaitRoomInWindow, chat, createActiveTenant, createKey } from './support/tenants';

/** A catalog change reaches every gateway within a second (docs/operations.md, Operator endpoints). */
const PROPAGATION_DEADLINE_MS = 1_000;

interface ErrorCounts {
  by_reason: Record<string, number>;
  total: number;
}

interface CacheStatus {
  records: { api_key: number; tenant: number; catalog: number };
  last_full_rebuild_at: string | null;
  invalidations_published: number;
  gateways: Array<{ id: string; version: string; projection_ready: boolean; projection_age_ms: number }>;
}

describe('operator endpoints against running processes', () => {
  let cluster: Cluster;
  let directory: string;
  let catalogFile: string;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'sluice-catalog-'));
    catalogFile = join(directory, 'catalog.json');
    writeFileSync(catalogFile, readFileSync(resolve(__dirname, '../../../catalog/catalog.json')));
    cluster = await Cluster.start({ controlPlanes: 1, gateways: 1, controlPlaneEnv: { CATALOG_FILE: catalogFile } });
  }, 120_000);
  afterAll(async () => {
    await cluster?.close();
    rmSync(directory, { recursive: true, force: true });
  }, 60_000);

  const admin = <T>(method: string, path: string) => cluster.call<T>(method, path, { token: cluster.adminToken });

  it('reports the running gateway, the projection’s records and its last rebuild', async () => {
    let status: CacheStatus | undefined;
    await waitUntil(
      async () => {
        status = (await admin<CacheStatus>('GET', '/api/admin/cache-status/')).body;
        return status.gateways.length === 1 && status.gateways[0].projection_ready;
      },
      10_000,
      'the gateway’s heartbeat',
    );
    expect(status?.records.catalog).toBe(1);
    expect(status?.last_full_rebuild_at).not.toBeNull();
    expect(status?.gateways[0].id).toContain(':');
  });

  it('reloads the catalog file on request, and the gateway serves the change within a second', async () => {
    const tenant = await createActiveTenant(cluster, 'basic');
    const key = await createKey(cluster, tenant);
    const alias = `mock-refreshed-${randomBytes(3).toString('hex')}`;
    const before = await chat(cluster.gateways[0].url, key.key, { model: alias });
    expect(before.status).toBe(404);
    await before.body?.cancel();

    const unchanged = await admin<{ changed: number }>('POST', '/api/models/refresh/');
    expect(unchanged.status).toBe(200);
    expect(unchanged.body.changed).toBe(0);

    const catalog = JSON.parse(readFileSync(catalogFile, 'utf8')) as { models: Array<{ id: string; aliases?: string[] }> };
    const model = catalog.models.find((entry) => entry.id === 'mock-fast');
    if (!model) throw new Error('the catalog has no mock-fast');
    model.aliases = [...(model.aliases ?? []), alias];
    writeFileSync(catalogFile, JSON.stringify(catalog, null, 2));

    const refreshed = await admin<{ models_updated: string[]; changed: number }>('POST', '/api/admin/refresh-models/');
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.models_updated).toEqual(['mock-fast']);
    await waitUntil(
      async () => {
        const answer = await chat(cluster.gateways[0].url, key.key, { model: alias });
        await answer.body?.cancel();
        return answer.status === 200;
      },
      PROPAGATION_DEADLINE_MS,
      'the gateway to serve the new alias',
    );
  });

  it('shows providers with the gateway’s circuit states, a monitor snapshot and balances', async () => {
    const providers = await admin<Array<{ provider: string; models: string[]; health: { gateways_reporting: number } }>>('GET', '/api/models/providers/');
    expect(providers.status).toBe(200);
    const mock = providers.body.find((entry) => entry.provider === 'mock');
    expect(mock?.models).toEqual(expect.arrayContaining(['mock-fast', 'mock-smart']));
    expect(mock?.health.gateways_reporting).toBe(1);
    const monitor = await admin<{ gateways_seen: number; tenants_by_status: Array<{ status: string; count: number }> }>('GET', '/api/admin/monitor/');
    expect(monitor.status).toBe(200);
    expect(monitor.body.gateways_seen).toBe(1);
    expect(monitor.body.tenants_by_status.find((row) => row.status === 'active')?.count).toBeGreaterThan(0);
    const balances = await admin<{ count: number; results: unknown[] }>('GET', '/api/admin/balances/?low_balance_below_usd=5');
    expect(balances.status).toBe(200);
  });

  it('counts refused requests by reason: the monitor’s errors today rise by exactly the refusals sent', async () => {
    const monitor = async () => (await admin<{ errors_today: ErrorCounts; errors_month: ErrorCounts }>('GET', '/api/admin/monitor/')).body;
    const reasons = ['invalid_api_key', 'rate_limit_exceeded'];
    const before = await monitor();
    const tenant = await createActiveTenant(cluster, 'basic');
    const key = await createKey(cluster, tenant, { rpm: 2 });
    const badKey = await chat(cluster.gateways[0].url, 'sk-not-a-real-key');
    await badKey.body?.cancel();
    expect(badKey.status).toBe(401);

    await awaitRoomInWindow(60);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const answer = await chat(cluster.gateways[0].url, key.key);
      await answer.body?.cancel();
      statuses.push(answer.status);
    }
    expect(statuses).toEqual([200, 200, 429, 429, 429]);

    const expected = (counts: ErrorCounts, reason: string, added: number) => (counts.by_reason[reason] ?? 0) + added;
    let after = before;
    await waitUntil(
      async () => {
        after = await monitor();
        return reasons.every((reason) => (after.errors_today.by_reason[reason] ?? 0) >= expected(before.errors_today, reason, reason === 'invalid_api_key' ? 1 : 3));
      },
      10_000,
      'the refusals in the monitor',
    );
    expect(after.errors_today.by_reason['invalid_api_key']).toBe(expected(before.errors_today, 'invalid_api_key', 1));
    expect(after.errors_today.by_reason['rate_limit_exceeded']).toBe(expected(before.errors_today, 'rate_limit_exceeded', 3));
    expect(after.errors_today.total).toBe(Object.values(after.errors_today.by_reason).reduce((sum, n) => sum + n, 0));
    expect(after.errors_month.by_reason['rate_limit_exceeded']).toBe(expected(before.errors_month, 'rate_limit_exceeded', 3));
  });
});
