import { startMockServices, type MockServices } from '@sluice/mock-services';
import { addMember, apiClient, createActiveTenant, login, unique, waitUntil, type Call } from '@sluice/testing';
import { Client } from 'pg';
import { ADMIN_EMAIL, Cluster } from './support/cluster';

const HEALTH_INTERVAL_MS = 1_000;
const RECORDS = 30;
const PAGE_SIZE = 3;

interface SyncBody {
  id: string;
  status: string;
  pages: number;
  total: number | null;
  records_created: number;
  records_updated: number;
  progress: number | null;
  errors: Array<{ page: number; message: string }>;
}

/**
 * Integrations across two control-plane processes sharing the database and
 * Redis: one health round per interval between them, and work that survives
 * both being killed (SIGKILL) mid-way: an inbound event is processed once
 * after the restart, and a data sync finishes with every record exactly once.
 */
describe('integrations with two control planes (issue 18)', () => {
  let cluster: Cluster;
  let mock: MockServices;
  let db: Client;
  let call: Call;
  let admin: string;
  let tenant: { id: string; slug: string };

  beforeAll(async () => {
    mock = await startMockServices({ records: RECORDS });
    cluster = await Cluster.start({
      controlPlanes: 2,
      gateways: 0,
      controlPlaneEnv: {
        INTEGRATIONS_ALLOWED_PRIVATE_CIDRS: '127.0.0.0/8',
        INTEGRATIONS_HEALTH_INTERVAL_MS: String(HEALTH_INTERVAL_MS),
        INTEGRATIONS_SYNC_PAGE_SIZE: String(PAGE_SIZE),
        INBOUND_RETRY_SCHEDULE: '1,1,1',
        // The killed replicas' jobs are taken over within seconds of the restart rather than BullMQ's 30 s.
        INTEGRATIONS_JOB_LOCK_MS: '5000',
      },
    });
    db = new Client({ connectionString: cluster.databaseUrl });
    await db.connect();
    call = cluster.call;
    admin = cluster.adminToken;
    tenant = await createActiveTenant(call, admin, unique('partners'));
  }, 240_000);
  afterAll(async () => {
    await db?.end();
    await cluster?.close();
    await mock?.close();
  }, 60_000);

  const createProvider = async (body: Record<string, unknown>) => {
    const response = await call<{ id: string; name: string }>('POST', '/api/integrations/providers/', { token: admin, body: { tenant: tenant.slug, ...body } });
    expect(response.status).toBe(201);
    return response.body;
  };

  it('probes each provider once per interval between both replicas', async () => {
    const provider = await createProvider({ name: unique('probed'), api_base_url: `${mock.url}/api/mock` });
    const rounds = () => mock.requests.filter((r) => r.path.startsWith('/api/mock/health/')).map((r) => String(r.headers['x-sluice-health-round']));
    await waitUntil(() => new Set(rounds()).size >= 5, 60_000, 'five health rounds');
    const seen = rounds();
    // Each round probes the provider once: no replica runs a round of its own.
    expect(seen.length).toBe(new Set(seen).size);
    // Rounds are the shared scheduler's slots, one interval apart.
    const slots = seen.map((round) => Number(/:(\d+)$/.exec(round)?.[1])).sort((a, b) => a - b);
    expect(slots.every((slot) => Number.isSafeInteger(slot))).toBe(true);
    for (let i = 1; i < slots.length; i++) expect(slots[i] - slots[i - 1]).toBeGreaterThanOrEqual(HEALTH_INTERVAL_MS);
    const health = await call<{ providers: Record<string, { status: string }> }>('GET', '/api/integrations/health/', { token: admin, headers: { 'x-tenant': tenant.slug } });
    expect(health.body.providers[provider.name]?.status).toBe('healthy');
    await call('PATCH', `/api/integrations/providers/${provider.id}/`, { token: admin, body: { is_active: false } });
  });

  it('finishes an event and a sync after both control planes are killed mid-way: the event once, every record once', async () => {
    // A sync whose pages are slow, one of which fails once.
    const source = await createProvider({ name: unique('crm'), api_base_url: `${mock.url}/api/mock` });
    mock.injectFault('/api/data/subscriptions/?page=4&', 'status=500', 1);
    mock.injectFault('/api/data/subscriptions/', 'delay_ms=700', 1_000);
    const trigger = await call<SyncBody>('POST', '/api/integrations/sync/trigger/', { token: admin, body: { provider: source.id, sync_type: 'subscriptions' } });
    expect(trigger.status).toBe(202);
    const sync = async () => (await apiClient(cluster.controlPlanes[0].url)<SyncBody>('GET', `/api/integrations/data-sync/${trigger.body.id}/`, { token: admin })).body;

    // An event whose first attempt fails (the user is not in Sluice yet); its retry is caught holding its row.
    const users = await createProvider({ name: unique('users'), map_users: true });
    const email = `${unique('joiner')}@example.com`;
    const receipt = await call<{ id: string }>('POST', `/api/integrations/webhooks/${users.name}/`, { body: { event_type: 'user.created', event_id: unique('evt'), data: { email } } });
    expect(receipt.status).toBe(202);
    const eventRow = async () => (await db.query('SELECT status, retry_count FROM integration_events WHERE id = $1', [receipt.body.id])).rows[0] as { status: string; retry_count: number };
    await waitUntil(async () => (await eventRow()).retry_count >= 1, 30_000, 'a failed first attempt');
    const blocker = new Client({ connectionString: cluster.databaseUrl });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT 1 FROM integration_events WHERE id = $1 FOR UPDATE', [receipt.body.id]);
    await waitUntil(
      async () =>
        (await db.query(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%integration_events%' AND datname = current_database()`)).rowCount === 1,
      30_000,
      'a control plane processing the event (waiting on its row)',
    );
    // The user signs up in another tenant meanwhile; the event's next run, after the restart, maps them here (the run
    // held on the row cannot see them before the kill). Added now, the event does not depend on how soon a restarted
    // replica takes its job over: earlier than the sign-up, it would use up its retries first.
    const other = await createActiveTenant(call, admin, unique('elsewhere'));
    await addMember(call, admin, other.id, email, 'member');

    // Progress is visible while the sync runs.
    await waitUntil(async () => (await sync()).pages >= 2, 60_000, 'two pages committed');
    const running = await sync();
    expect(running.status).toBe('running');
    expect(running.pages).toBeLessThan(RECORDS / PAGE_SIZE);
    expect(running.progress).toBeGreaterThan(0);
    expect(running.progress).toBeLessThan(100);

    await Promise.all(cluster.controlPlanes.map((plane) => plane.kill()));
    await blocker.query('ROLLBACK');
    await blocker.end();
    await Promise.all(cluster.controlPlanes.map((plane) => plane.restart({ readyDeadlineMs: 120_000 })));
    call = apiClient(cluster.controlPlanes[0].url);
    admin = (await login(call, ADMIN_EMAIL)).access;

    await waitUntil(async () => (await eventRow()).status === 'processed', 150_000, 'the event processed after the restart');
    const memberships = await db.query('SELECT tu.role FROM tenant_users tu JOIN users u ON u.id = tu.user_id WHERE tu.tenant_id = $1 AND u.email = $2', [tenant.id, email]);
    expect(memberships.rows).toEqual([{ role: 'member' }]);
    const audits = await db.query(`SELECT count(*)::int AS n FROM audit_events WHERE event_type = 'tenant_user.created' AND payload::text LIKE $1`, [`%${receipt.body.id}%`]);
    expect(audits.rows[0].n).toBe(1);

    await waitUntil(async () => (await sync()).status === 'completed', 150_000, 'the sync completed after the restart');
    const done = await sync();
    expect(done).toMatchObject({ records_created: RECORDS, records_updated: 0, total: RECORDS, pages: RECORDS / PAGE_SIZE, progress: 100 });
    const records = await db.query('SELECT count(*)::int AS n, count(DISTINCT external_id)::int AS distinct_ids FROM integration_records WHERE provider_id = $1', [source.id]);
    expect(records.rows[0]).toEqual({ n: RECORDS, distinct_ids: RECORDS });
  }, 420_000);
});
