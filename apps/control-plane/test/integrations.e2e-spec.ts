import { startMockServices, type MockServices } from '@sluice/mock-services';
import { waitUntil, WebhookReceiver } from '@sluice/testing';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:net';
import { Client } from 'pg';
import { unique, type ApiResponse } from './api-client';
import { addMember, startIdentityWorld, type IdentityWorld, type Persona } from './identity-fixture';

interface Provider {
  id: string;
  name: string;
  has_secret: boolean;
  tenant: string;
}
interface Receipt {
  id: string;
  event_id: string;
  status: string;
  duplicate: boolean;
}
interface EventBody {
  id: string;
  status: string;
  retry_count: number;
  outcome: string | null;
  error: string | null;
  processed_at: string | null;
}
interface Page<T> {
  count: number;
  results: T[];
}
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
interface HealthBody {
  status: string;
  providers: Record<string, { status: string; response_time: number | null; last_check: string; error_message: string }>;
}

const SECRET = 'partner-signing-secret';
const sign = (body: unknown, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(JSON.stringify(body)).digest('hex')}`;

/** A port nothing listens on: a provider that is down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('integrations: providers, signed inbound webhooks, event log, health and data sync (issue 18)', () => {
  let world: IdentityWorld;
  let mock: MockServices;
  let db: Client;
  let malformedSync: ApiResponse<SyncBody>;

  beforeAll(async () => {
    mock = await startMockServices({ records: 10 });
    world = await startIdentityWorld({
      INTEGRATIONS_ALLOWED_PRIVATE_CIDRS: '127.0.0.0/8',
      WEBHOOK_ALLOWED_PRIVATE_CIDRS: '127.0.0.0/8',
      INBOUND_RETRY_SCHEDULE: '0.2,3,60',
      INTEGRATIONS_HEALTH_INTERVAL_MS: '300',
      INTEGRATIONS_HEALTH_DEGRADED_MS: '400',
      INTEGRATIONS_FETCH_TIMEOUT_MS: '1500',
      INTEGRATIONS_SYNC_PAGE_SIZE: '3',
    });
    db = new Client({ connectionString: world.app.databaseUrl });
    await db.connect();
    // A sync whose pages stay malformed fails only after its job's backoff (1 + 2 + 4 + 8 s): started first, it waits
    // while the other tests run, and its own test (data sync, below) finds it failed or nearly so.
    const broken = await createProvider({ name: unique('broken'), api_base_url: `${mock.url}/_mock/malformed/api/mock` });
    malformedSync = await world.call<SyncBody>('POST', '/api/integrations/sync/trigger/', { ...as('admin'), body: { provider: broken.name, sync_type: 'notifications' } });
  });
  afterAll(async () => {
    await db?.end();
    await world?.app.close();
    await mock?.close();
  });

  const as = (persona: Persona) => ({ token: world.tokens[persona] });
  const createProvider = async (body: Record<string, unknown>, persona: Persona = 'admin', tenant = world.tenantA.slug) => {
    const response = await world.call<Provider>('POST', '/api/integrations/providers/', { ...as(persona), body: { tenant, ...body } });
    expect(response.status).toBe(201);
    return response.body;
  };
  const send = (service: string, body: unknown, headers: Record<string, string> = {}) => world.call<Receipt>('POST', `/api/integrations/webhooks/${service}/`, { body, headers });
  const event = async (id: string) => (await world.call<EventBody>('GET', `/api/integrations/events/${id}/`, as('admin'))).body;
  const eventRows = async (providerId: string) => Number((await db.query('SELECT count(*) AS n FROM integration_events WHERE provider_id = $1', [providerId])).rows[0].n);
  const processedWhen = (id: string, wanted = 'processed') => waitUntil(async () => (await event(id)).status === wanted, 20_000, `event ${id} ${wanted}`);

  describe('providers', () => {
    it('keeps the secret write-only and sealed at rest', async () => {
      const provider = await createProvider({ name: unique('crm'), api_base_url: `${mock.url}/api/mock`, auth_type: 'api_key', secret_key: SECRET });
      expect(provider.has_secret).toBe(true);
      expect(JSON.stringify(provider)).not.toContain(SECRET);
      const stored = (await db.query('SELECT secret_sealed FROM integration_providers WHERE id = $1', [provider.id])).rows[0].secret_sealed as string;
      expect(stored).toMatch(/^v1\./);
      expect(stored).not.toContain(SECRET);
      const read = await world.call<Provider>('GET', `/api/integrations/providers/${provider.id}/`, as('viewer'));
      expect(read.status).toBe(200);
      expect(JSON.stringify(read.body)).not.toContain(SECRET);
    });

    it('lets only the tenant’s admins manage providers; another tenant’s is 404', async () => {
      for (const persona of ['member', 'viewer'] as const) {
        const refused = await world.call('POST', '/api/integrations/providers/', { ...as(persona), body: { tenant: world.tenantA.slug, name: unique('nope') } });
        expect(refused.status).toBe(403);
      }
      const provider = await createProvider({ name: unique('private') });
      for (const [method, body] of [['GET', undefined], ['PATCH', { is_active: false }], ['DELETE', undefined]] as const) {
        const response = await world.call(method, `/api/integrations/providers/${provider.id}/`, { ...as('outsider'), body });
        expect(response.status).toBe(404);
      }
      const theirs = await world.call<Page<Provider>>('GET', '/api/integrations/providers/', as('outsider'));
      expect(theirs.body.results.map((p) => p.id)).not.toContain(provider.id);
      expect((await world.call('PATCH', `/api/integrations/providers/${provider.id}/`, { ...as('member'), body: { is_active: false } })).status).toBe(403);
      expect((await world.call('DELETE', `/api/integrations/providers/${provider.id}/`, as('admin'))).status).toBe(204);
    });
  });

  describe('inbound webhooks', () => {
    let provider: Provider;
    beforeAll(async () => {
      provider = await createProvider({ name: unique('payments'), secret_key: SECRET });
    });

    it("accepts a signed event at once (202 with the stored id), processes it and forwards it to the tenant's outbound webhooks", async () => {
      const receiver = await WebhookReceiver.start();
      try {
        const endpoint = await world.call('POST', '/api/webhooks/', { ...as('admin'), body: { tenant: world.tenantA.slug, url: receiver.url, events: ['partner.payment'] } });
        expect(endpoint.status).toBe(201);
        const body = { event_type: 'payment.succeeded', event_id: unique('evt'), data: { payment_id: 'pay_1', amount: 1000, currency: 'usd' } };
        const response = await send(provider.name, body, { 'x-signature': sign(body), 'x-webhook-timestamp': String(Math.floor(Date.now() / 1000)) });
        expect(response.status).toBe(202);
        expect(response.body).toMatchObject({ event_id: body.event_id, duplicate: false });
        await processedWhen(response.body.id);
        expect(await event(response.body.id)).toMatchObject({ outcome: 'forwarded', retry_count: 0, error: null });
        await waitUntil(async () => receiver.received.length > 0, 10_000, 'the forwarded event');
        expect(JSON.parse(receiver.received[0].body)).toMatchObject({
          type: 'partner.payment',
          data: { provider: provider.name, event_type: 'payment.succeeded', event_id: body.event_id, data: body.data },
        });
      } finally {
        await receiver.close();
      }
    });

    it('refuses forged, unsigned and stale events with 401 invalid_signature and stores nothing', async () => {
      const body = { event_type: 'payment.failed', event_id: unique('evt'), data: {} };
      const attempts: Array<Record<string, string>> = [
        { 'x-signature': sign(body, 'not-the-secret') },
        { 'x-signature': sign({ ...body, data: { amount: 1 } }) },
        {},
        { 'x-signature': sign(body), 'x-webhook-timestamp': String(Math.floor(Date.now() / 1000) - 600) },
      ];
      for (const headers of attempts) {
        const response = await send(provider.name, body, headers);
        expect(response.status).toBe(401);
        expect((response.body as unknown as { error: { code: string } }).error.code).toBe('invalid_signature');
      }
      expect((await db.query('SELECT count(*) AS n FROM integration_events WHERE event_id = $1', [body.event_id])).rows[0].n).toBe('0');
    });

    it('answers a replay with the first event, processed once', async () => {
      const body = { event_type: 'subscription.created', event_id: unique('evt'), data: { plan: 'premium' } };
      const first = await send(provider.name, body, { 'x-signature': sign(body) });
      await processedWhen(first.body.id);
      const replay = await send(provider.name, body, { 'x-signature': sign(body) });
      expect(replay.status).toBe(202);
      expect(replay.body).toMatchObject({ id: first.body.id, duplicate: true, status: 'processed' });
    });

    it('stores and processes the same event delivered concurrently once', async () => {
      const before = await eventRows(provider.id);
      const body = { event_type: 'payment.succeeded', event_id: unique('evt'), data: { amount: 5 } };
      const answers = await Promise.all(Array.from({ length: 6 }, () => send(provider.name, body, { 'x-signature': sign(body) })));
      expect(answers.map((a) => a.status)).toEqual(Array(6).fill(202));
      expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
      expect(answers.filter((a) => !a.body.duplicate)).toHaveLength(1);
      expect(await eventRows(provider.id)).toBe(before + 1);
      await processedWhen(answers[0].body.id);
    });

    it('takes the header style with the tenant in X-Tenant-Domain, keyed by a hash when there is no event id', async () => {
      const other = await createProvider({ name: provider.name }, 'outsider', world.tenantB.slug);
      const body = { user_id: '123', email: 'test@example.com', name: 'Test User' };
      const ambiguous = await send(provider.name, body, { 'x-event-type': 'user.created', 'x-signature': sign(body) });
      expect(ambiguous.status).toBe(400);
      expect((ambiguous.body as unknown as { error: { code: string } }).error.code).toBe('tenant_required');
      const headers = { 'x-event-type': 'user.created', 'x-tenant-domain': world.tenantA.slug, 'x-signature': sign(body) };
      const first = await send(provider.name, body, headers);
      expect(first.status).toBe(202);
      expect(first.body.event_id).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect((await send(provider.name, body, headers)).body).toMatchObject({ id: first.body.id, duplicate: true });
      // B's provider has no secret: unsigned events are its choice, and they land in B only.
      const unsigned = await send(provider.name, body, { 'x-event-type': 'user.created', 'x-tenant-domain': world.tenantB.slug });
      expect(unsigned.status).toBe(202);
      expect(unsigned.body.id).not.toBe(first.body.id);
      expect((await world.call('GET', `/api/integrations/events/${unsigned.body.id}/`, as('admin'))).status).toBe(404);
      expect((await world.call('GET', `/api/integrations/events/${first.body.id}/`, as('outsider'))).status).toBe(404);
      expect((await send('no-such-service', body, { 'x-event-type': 'user.created' })).status).toBe(404);
      expect(other.tenant).toBe(world.tenantB.id);
    });

    it('limits each provider’s rate in Redis and honours its address allow-list', async () => {
      const limited = await createProvider({ name: unique('limited'), rate_limit_per_minute: 2 });
      const fenced = await createProvider({ name: unique('fenced'), allowed_ips: ['10.9.9.0/24'] });
      const body = { event_type: 'payment.succeeded', data: {} };
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await send(limited.name, { ...body, event_id: unique('evt') })).status);
      expect(statuses).toEqual([202, 202, 429]);
      const other = { ...body, event_id: unique('evt') };
      expect((await send(provider.name, other, { 'x-signature': sign(other), 'x-tenant-domain': world.tenantA.slug })).status).toBe(202);
      const refused = await send(fenced.name, { ...body, event_id: unique('evt') });
      expect(refused.status).toBe(403);
      expect((refused.body as unknown as { error: { code: string } }).error.code).toBe('ip_not_allowed');
      expect(await eventRows(fenced.id)).toBe(0);
    });

    it('lists events with filters and pagination, under both names', async () => {
      // Events the tests above sent are processed in the background: the two names must read the same settled list.
      const unfinished = async () =>
        Number((await db.query(`SELECT count(*) AS n FROM integration_events WHERE provider_id = $1 AND status IN ('received', 'processing')`, [provider.id])).rows[0].n);
      await waitUntil(async () => (await unfinished()) === 0, 20_000, 'the provider’s events to be processed');
      const list = await world.call<Page<EventBody & { provider: string }>>('GET', `/api/integrations/events/?provider=${provider.name}&status=processed&page_size=2`, as('viewer'));
      expect(list.status).toBe(200);
      expect(list.body.results.length).toBeLessThanOrEqual(2);
      expect(list.body.count).toBeGreaterThanOrEqual(3);
      expect(list.body.results.every((e) => e.status === 'processed')).toBe(true);
      const alias = await world.call<Page<EventBody>>('GET', `/api/integrations/webhook-events/?provider=${provider.name}&status=processed&page_size=2`, as('viewer'));
      expect(alias.body.count).toBe(list.body.count);
      const theirs = await world.call<Page<EventBody>>('GET', `/api/integrations/events/?provider=${provider.name}`, as('outsider'));
      expect(theirs.body.results.every((e) => e.id !== list.body.results[0].id)).toBe(true);
    });
  });

  describe('user events and retries', () => {
    it('maps user.created to a membership only when enabled; fails twice, then succeeds with retry_count 2', async () => {
      const mapped = await createProvider({ name: unique('users'), secret_key: SECRET, map_users: true });
      const email = `${unique('partner-user')}@example.com`;
      const body = { event_type: 'user.created', event_id: unique('evt'), data: { email, role: 'viewer' } };
      const receipt = await send(mapped.name, body, { 'x-signature': sign(body) });
      expect(receipt.status).toBe(202);
      await waitUntil(async () => (await event(receipt.body.id)).retry_count >= 2, 20_000, 'two failed attempts');
      expect((await event(receipt.body.id)).error).toContain('No Sluice user');
      // The user signs up (in another tenant) before the third attempt.
      await addMember(world.call, world.tokens.platform_admin as string, world.tenantB.id, email, 'member');
      await processedWhen(receipt.body.id);
      expect(await event(receipt.body.id)).toMatchObject({ retry_count: 2, outcome: 'membership_created', error: null });
      const membership = await db.query('SELECT tu.role FROM tenant_users tu JOIN users u ON u.id = tu.user_id WHERE tu.tenant_id = $1 AND u.email = $2', [world.tenantA.id, email]);
      expect(membership.rows).toEqual([{ role: 'viewer' }]);

      const deleted = { event_type: 'user.deleted', event_id: unique('evt'), data: { email } };
      const removal = await send(mapped.name, deleted, { 'x-signature': sign(deleted) });
      await processedWhen(removal.body.id);
      expect((await event(removal.body.id)).outcome).toBe('membership_deleted');

      const unmapped = await createProvider({ name: unique('users-off') });
      const ignored = await send(unmapped.name, { event_type: 'user.created', event_id: unique('evt'), data: { email: world.emails.outsider } });
      await processedWhen(ignored.body.id);
      expect((await event(ignored.body.id)).outcome).toBe('recorded');
    });

    it('retries an event by hand before its next scheduled attempt (admins only)', async () => {
      const mapped = await createProvider({ name: unique('users'), map_users: true });
      const email = `${unique('late-user')}@example.com`;
      const receipt = await send(mapped.name, { event_type: 'user.created', event_id: unique('evt'), data: { email } });
      // After three failures the last scheduled attempt is 60 s away: processing within the deadline below is the retry by hand.
      await waitUntil(async () => (await event(receipt.body.id)).retry_count >= 3, 20_000, 'three failed attempts');
      await addMember(world.call, world.tokens.platform_admin as string, world.tenantB.id, email, 'member');
      expect((await world.call('POST', `/api/integrations/events/${receipt.body.id}/retry/`, as('member'))).status).toBe(403);
      expect((await world.call('POST', `/api/integrations/events/${receipt.body.id}/retry/`, as('outsider'))).status).toBe(404);
      const retried = await world.call<EventBody>('POST', `/api/integrations/events/${receipt.body.id}/retry/`, as('admin'));
      expect(retried.status).toBe(202);
      await waitUntil(async () => (await event(receipt.body.id)).status === 'processed', 30_000, 'processed by hand, before the scheduled retry');
      expect((await event(receipt.body.id)).outcome).toBe('membership_created');
      const again = await world.call<{ error: { code: string } }>('POST', `/api/integrations/events/${receipt.body.id}/retry/`, as('admin'));
      expect(again.status).toBe(409);
    });
  });

  describe('health', () => {
    it('probes each active provider: healthy, degraded when slow, down; the overall status is the worst', async () => {
      const healthy = await createProvider({ name: unique('up'), api_base_url: `${mock.url}/api/mock` });
      const slow = await createProvider({ name: unique('slow'), api_base_url: `${mock.url}/_mock/delay_ms=700/api/mock` });
      const down = await createProvider({ name: unique('down'), api_base_url: `http://127.0.0.1:${await closedPort()}/api/mock` });
      let health: ApiResponse<HealthBody> | undefined;
      await waitUntil(
        async () => {
          health = await world.call<HealthBody>('GET', '/api/integrations/health/', as('viewer'));
          return [healthy, slow, down].every((p) => health?.body.providers[p.name]);
        },
        20_000,
        'three probes',
      );
      const providers = (health as ApiResponse<HealthBody>).body.providers;
      expect(providers[healthy.name]).toMatchObject({ status: 'healthy', error_message: '' });
      expect(providers[slow.name].status).toBe('degraded');
      expect(providers[slow.name].response_time).toBeGreaterThan(400);
      expect(providers[down.name].status).toBe('down');
      expect(providers[down.name].error_message).not.toBe('');
      expect((health as ApiResponse<HealthBody>).body.status).toBe('down');
      const outsider = await world.call<HealthBody>('GET', '/api/integrations/health/', as('outsider'));
      expect(outsider.body.providers[healthy.name]).toBeUndefined();
    });
  });

  describe('data sync', () => {
    it('pages through the provider, survives a failing page, and keeps every record once', async () => {
      const provider = await createProvider({ name: unique('crm'), api_base_url: `${mock.url}/api/mock` });
      mock.injectFault('/api/data/users/?page=2', 'status=500', 1);
      const trigger = await world.call<SyncBody>('POST', '/api/integrations/sync/trigger/', { ...as('admin'), body: { provider: provider.id, sync_type: 'users' } });
      expect(trigger.status).toBe(202);
      const sync = async () => (await world.call<SyncBody>('GET', `/api/integrations/data-sync/${trigger.body.id}/`, as('viewer'))).body;
      await waitUntil(async () => (await sync()).status === 'completed', 20_000, 'sync completed');
      const done = await sync();
      expect(done).toMatchObject({ pages: 4, total: 10, records_created: 10, records_updated: 0, progress: 100 });
      expect(done.errors).toEqual([expect.objectContaining({ page: 2, message: expect.stringContaining('HTTP 500') })]);
      const records = await db.query('SELECT external_id FROM integration_records WHERE provider_id = $1 AND record_type = $2 ORDER BY external_id', [provider.id, 'users']);
      expect(records.rows.map((r) => r.external_id)).toEqual(Array.from({ length: 10 }, (_, i) => `user-${String(i + 1).padStart(4, '0')}`));

      const again = await world.call<SyncBody>('POST', '/api/integrations/sync/trigger/', { ...as('admin'), body: { service_id: provider.id, sync_type: 'users' } });
      await waitUntil(async () => (await world.call<SyncBody>('GET', `/api/integrations/data-sync/${again.body.id}/`, as('viewer'))).body.status === 'completed', 20_000, 'second sync');
      expect((await world.call<SyncBody>('GET', `/api/integrations/data-sync/${again.body.id}/`, as('viewer'))).body).toMatchObject({ records_created: 0, records_updated: 10 });
      expect((await db.query('SELECT count(*) AS n FROM integration_records WHERE provider_id = $1', [provider.id])).rows[0].n).toBe('10');

      const list = await world.call<Page<SyncBody>>('GET', '/api/integrations/data-sync/', as('member'));
      expect(list.body.results.map((s) => s.id)).toEqual(expect.arrayContaining([trigger.body.id, again.body.id]));
      expect((await world.call('GET', `/api/integrations/data-sync/${trigger.body.id}/`, as('outsider'))).status).toBe(404);
      expect((await world.call('POST', '/api/integrations/sync/trigger/', { ...as('member'), body: { provider: provider.id, sync_type: 'users' } })).status).toBe(403);
      expect((await world.call('POST', '/api/integrations/sync/trigger/', { ...as('outsider'), body: { provider: provider.id, sync_type: 'users' } })).status).toBe(404);
    });

    it('fails a sync whose pages stay malformed, with the reason', async () => {
      const trigger = malformedSync;
      expect(trigger.status).toBe(202);
      const sync = async () => (await world.call<SyncBody>('GET', `/api/integrations/data-sync/${trigger.body.id}/`, as('viewer'))).body;
      await waitUntil(async () => (await sync()).status === 'failed', 40_000, 'sync failed');
      expect((await sync()).errors[0].message).toContain('not JSON');
    }, 60_000);
  });
});
