import { expectErrorShape, TEST_PASSWORD, waitUntil, WebhookReceiver } from '@sluice/testing';
import { Client } from 'pg';
import { Webhook } from 'standardwebhooks';
import type { Call } from './api-client';
import { startIdentityWorld, type IdentityWorld } from './identity-fixture';
import { usageEvent, UsageStreamClient } from './usage-stream-client';

interface EndpointBody {
  id: string;
  tenant: string;
  url: string;
  events: string[];
  enabled: boolean;
  disabled_reason: string | null;
  secret?: string;
}

interface DeliveryBody {
  id: string;
  message_id: string;
  event_type: string;
  status: string;
  attempt_count: number;
  next_attempt_at: string | null;
  attempts: Array<{ status_code: number | null; duration_ms: number; response_excerpt: string; error: string | null; next_attempt_at: string | null }>;
}

const DEADLINE_MS = 20_000;

describe('Outbound webhooks', () => {
  let world: IdentityWorld;
  let db: Client;
  let as: (persona: keyof IdentityWorld['tokens']) => Call;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    world = await startIdentityWorld({
      WEBHOOK_ALLOWED_PRIVATE_CIDRS: '127.0.0.0/8',
      WEBHOOK_RETRY_SCHEDULE: '1,1,1',
      WEBHOOK_TIMEOUT_MS: '1500',
      // 3.6 s: long enough for the retry tests, short enough to see an endpoint disabled.
      WEBHOOK_DISABLE_AFTER_HOURS: '0.001',
    });
    as = (persona) => (method, path, options = {}) => world.call(method, path, { token: world.tokens[persona], ...options });
    db = new Client({ connectionString: world.app.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await Promise.all(receivers.map((receiver) => receiver.close()));
    await db?.end();
    await world?.app.close();
  });

  const receiver = async (...args: Parameters<typeof WebhookReceiver.start>): Promise<WebhookReceiver> => {
    const started = await WebhookReceiver.start(...args);
    receivers.push(started);
    return started;
  };

  const createEndpoint = async (url: string, events: string[], tenant = world.tenantA.id, persona: keyof IdentityWorld['tokens'] = 'admin'): Promise<EndpointBody> => {
    const response = await as(persona)<EndpointBody>('POST', '/api/webhooks/', { body: { tenant, url, events } });
    expect(response.status).toBe(201);
    return response.body;
  };

  const deliveries = async (endpointId: string): Promise<DeliveryBody[]> => {
    const response = await as('admin')<{ results: DeliveryBody[] }>('GET', `/api/webhooks/${endpointId}/deliveries/`);
    expect(response.status).toBe(200);
    return response.body.results;
  };

  const createKey = async (name = 'ci'): Promise<{ id: string; key: string }> => {
    const response = await as('admin')<{ id: string; key: string }>('POST', '/api/api-keys/', { body: { tenant: world.tenantA.id, name } });
    expect(response.status).toBe(201);
    return response.body;
  };

  it('creates an endpoint, shows its secret once and keeps it sealed at rest', async () => {
    const endpoint = await createEndpoint('http://127.0.0.1:9/hook', ['key.created']);
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from((endpoint.secret as string).slice(6), 'base64').length).toBeGreaterThanOrEqual(24);
    const read = await as('admin')<EndpointBody>('GET', `/api/webhooks/${endpoint.id}/`);
    expect(read.status).toBe(200);
    expect(read.body).not.toHaveProperty('secret');
    const { rows } = await db.query('SELECT row_to_json(e)::text AS row FROM webhook_endpoints e WHERE id = $1', [endpoint.id]);
    expect(rows[0].row).not.toContain((endpoint.secret as string).slice(6));
    const audit = await db.query(`SELECT payload::text AS payload FROM audit_events WHERE resource_id = $1`, [endpoint.id]);
    expect(audit.rows.map((row) => row.payload).join()).not.toContain((endpoint.secret as string).slice(6));
    expect((await as('admin')('DELETE', `/api/webhooks/${endpoint.id}/`)).status).toBe(204);
  });

  it('lets admins manage endpoints; members and viewers get 403, another tenant 404', async () => {
    const endpoint = await createEndpoint('http://127.0.0.1:9/hook', ['key.created']);
    for (const persona of ['member', 'viewer'] as const) {
      const create = await as(persona)('POST', '/api/webhooks/', { body: { tenant: world.tenantA.id, url: 'http://127.0.0.1:9/x', events: ['key.created'] } });
      expect(create.status).toBe(403);
      expectErrorShape(create.body, 'forbidden');
      expect((await as(persona)('GET', `/api/webhooks/${endpoint.id}/`)).status).toBe(403);
      expect((await as(persona)('GET', '/api/webhooks/')).status).toBe(403);
    }
    for (const [method, path] of [
      ['GET', `/api/webhooks/${endpoint.id}/`],
      ['PATCH', `/api/webhooks/${endpoint.id}/`],
      ['DELETE', `/api/webhooks/${endpoint.id}/`],
      ['POST', `/api/webhooks/${endpoint.id}/rotate-secret/`],
      ['POST', `/api/webhooks/${endpoint.id}/test/`],
      ['GET', `/api/webhooks/${endpoint.id}/deliveries/`],
      ['POST', `/api/webhooks/${endpoint.id}/deliveries/${endpoint.id}/redeliver/`],
    ] as const) {
      const response = await as('outsider')(method, path, { body: method === 'PATCH' ? { description: 'mine now' } : method === 'POST' ? {} : undefined });
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 404 });
    }
    const outsiderList = await as('outsider')<{ results: EndpointBody[] }>('GET', '/api/webhooks/');
    expect(outsiderList.status).toBe(200);
    expect(outsiderList.body.results.map((row) => row.id)).not.toContain(endpoint.id);
    const adminList = await as('admin')<{ results: EndpointBody[] }>('GET', '/api/webhooks/');
    expect(adminList.body.results.map((row) => row.id)).toContain(endpoint.id);
    const patched = await as('admin')<EndpointBody>('PATCH', `/api/webhooks/${endpoint.id}/`, { body: { events: ['key.revoked', 'key.revoked'], enabled: false } });
    expect(patched.body).toEqual(expect.objectContaining({ events: ['key.revoked'], enabled: false }));
    expect((await as('admin')('DELETE', `/api/webhooks/${endpoint.id}/`)).status).toBe(204);
  });

  it.each([
    ['the metadata address', 'http://169.254.169.254/latest/meta-data/'],
    ['a private network', 'http://10.0.0.1/hook'],
    ['IPv6 loopback (not in the allowed ranges)', 'http://[::1]:8080/hook'],
    ['an IPv4-mapped metadata address', 'http://[::ffff:169.254.169.254]/'],
    ['a name that does not resolve', 'https://no-such-host.invalid/hook'],
    ['another scheme', 'ftp://127.0.0.1/hook'],
    ['credentials in the URL', 'http://user:pass@127.0.0.1:9/hook'],
  ])('refuses %s with 400 url_not_allowed and creates nothing', async (_what, url) => {
    const before = await db.query('SELECT count(*)::int AS n FROM webhook_endpoints');
    const response = await as('admin')('POST', '/api/webhooks/', { body: { tenant: world.tenantA.id, url, events: ['key.created'] } });
    expect(response.status).toBe(400);
    expectErrorShape(response.body, 'url_not_allowed');
    expect((await db.query('SELECT count(*)::int AS n FROM webhook_endpoints')).rows[0].n).toBe(before.rows[0].n);
  });

  it('delivers key.created signed so that the standardwebhooks library verifies it', async () => {
    const hooks = await receiver();
    const endpoint = await createEndpoint(hooks.url, ['key.created']);
    const key = await createKey();
    await waitUntil(() => hooks.received.length >= 1, DEADLINE_MS, 'the key.created delivery');
    const [request] = hooks.received;
    const verified = new Webhook(endpoint.secret as string).verify(request.body, request.headers) as { type: string; timestamp: string; data: { id: string } };
    expect(verified).toEqual({ type: 'key.created', timestamp: expect.any(String), data: expect.objectContaining({ id: key.id }) });
    expect(request.headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(request.body).not.toContain(key.key);
    await waitUntil(async () => (await deliveries(endpoint.id))[0]?.status === 'succeeded', DEADLINE_MS, 'the delivery log');
    expect(() => new Webhook('whsec_' + Buffer.alloc(32, 1).toString('base64')).verify(request.body, request.headers)).toThrow();
  });

  it('retries a receiver that fails with 500 on the schedule, with the same webhook-id, and logs every attempt', async () => {
    const hooks = await receiver((index) => (index < 2 ? { status: 500, body: 'not yet' } : { status: 204 }));
    const endpoint = await createEndpoint(hooks.url, ['key.revoked']);
    const key = await createKey();
    expect((await as('admin')('POST', `/api/api-keys/${key.id}/revoke/`)).status).toBe(200);
    await waitUntil(() => hooks.received.length >= 3, DEADLINE_MS, 'three attempts');
    const ids = new Set(hooks.received.map((request) => request.headers['webhook-id']));
    expect(ids.size).toBe(1);
    for (const request of hooks.received) expect(() => new Webhook(endpoint.secret as string).verify(request.body, request.headers)).not.toThrow();
    await waitUntil(async () => (await deliveries(endpoint.id))[0]?.status === 'succeeded', DEADLINE_MS, 'success in the log');
    const [delivery] = await deliveries(endpoint.id);
    expect(delivery.message_id).toBe([...ids][0]);
    expect(delivery.attempts.map((attempt) => attempt.status_code)).toEqual([500, 500, 204]);
    expect(delivery.attempts[0]).toEqual(expect.objectContaining({ response_excerpt: 'not yet', error: 'HTTP 500', next_attempt_at: expect.any(String) }));
    expect(delivery.attempts[2].next_attempt_at).toBeNull();
  });

  it('counts a receiver that does not answer in time as failed, and one that answers slowly but in time as delivered', async () => {
    const hanging = await receiver(() => ({ status: 200, hang: true }));
    const slow = await receiver(async () => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      return { status: 200 };
    });
    const hangingEndpoint = await createEndpoint(hanging.url, ['key.rotated']);
    const slowEndpoint = await createEndpoint(slow.url, ['key.rotated']);
    const key = await createKey();
    expect((await as('admin')('POST', `/api/api-keys/${key.id}/rotate/`, { body: {} })).status).toBe(200);
    await waitUntil(async () => (await deliveries(slowEndpoint.id))[0]?.status === 'succeeded', DEADLINE_MS, 'the slow delivery');
    await waitUntil(async () => ((await deliveries(hangingEndpoint.id))[0]?.attempts.length ?? 0) >= 1, DEADLINE_MS, 'a timed-out attempt');
    const [attempt] = (await deliveries(hangingEndpoint.id))[0].attempts;
    expect(attempt).toEqual(expect.objectContaining({ status_code: null, error: expect.stringMatching(/no answer within 1500 ms/) }));
    await as('admin')('DELETE', `/api/webhooks/${hangingEndpoint.id}/`);
  });

  it('does not follow a redirect, not even to an allowed address', async () => {
    const target = await receiver();
    const redirecting = await receiver(() => ({ status: 302, headers: { location: target.url } }));
    const endpoint = await createEndpoint(redirecting.url, ['member.added']);
    const member = await as('admin')<{ id: string }>('POST', '/api/tenant-users/', { body: { tenant: world.tenantA.id, email: `redirect-${Date.now()}@example.com`, password: TEST_PASSWORD, role: 'viewer' } });
    expect(member.status).toBe(201);
    await waitUntil(async () => ((await deliveries(endpoint.id))[0]?.attempts.length ?? 0) >= 1, DEADLINE_MS, 'the redirected attempt');
    expect((await deliveries(endpoint.id))[0].attempts[0]).toEqual(expect.objectContaining({ status_code: 302, error: 'HTTP 302' }));
    expect(target.received).toHaveLength(0);
    await as('admin')('DELETE', `/api/webhooks/${endpoint.id}/`);
  });

  it('sends nothing for a change that rolled back', async () => {
    const hooks = await receiver();
    await createEndpoint(hooks.url, ['key.rotated', 'key.created']);
    const active = await createKey('stays');
    const revoked = await createKey('revoked');
    expect((await as('admin')('POST', `/api/api-keys/${revoked.id}/revoke/`)).status).toBe(200);
    // The first key's rotation (and its event) is written, then the revoked key fails the whole transaction.
    const bulk = await as('admin')('POST', '/api/api-keys/bulk-rotate/', { body: { ids: [active.id, revoked.id] } });
    expect(bulk.status).toBe(409);
    await waitUntil(() => hooks.ofType('key.created').length >= 2, DEADLINE_MS, 'the key.created deliveries');
    // Anything committed after the bulk rotation is delivered after it: once a later event arrives, a rolled-back one would have too.
    await createKey('marker');
    await waitUntil(() => hooks.ofType('key.created').length >= 3, DEADLINE_MS, 'the marker');
    expect(hooks.ofType('key.rotated')).toHaveLength(0);
    const outbox = await db.query(`SELECT count(*)::int AS n FROM webhook_outbox WHERE event_type = 'key.rotated'`);
    expect(outbox.rows[0].n).toBe(0);
  });

  it('rotates the secret: during the window deliveries carry both signatures, each verifying', async () => {
    const hooks = await receiver();
    const endpoint = await createEndpoint(hooks.url, ['key.created']);
    const rotated = await as('admin')<EndpointBody>('POST', `/api/webhooks/${endpoint.id}/rotate-secret/`, { body: { grace_seconds: 3600 } });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(endpoint.secret);
    await createKey();
    await waitUntil(() => hooks.received.length >= 1, DEADLINE_MS, 'a delivery');
    const [request] = hooks.received;
    expect(request.headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(rotated.body.secret as string).verify(request.body, request.headers)).not.toThrow();
    expect(() => new Webhook(endpoint.secret as string).verify(request.body, request.headers)).not.toThrow();
  });

  it('sends webhook.test to that endpoint alone, and redelivers with the same webhook-id', async () => {
    const hooks = await receiver();
    const other = await receiver();
    const endpoint = await createEndpoint(hooks.url, ['tenant.suspended']);
    await createEndpoint(other.url, ['tenant.suspended']);
    const test = await as('admin')('POST', `/api/webhooks/${endpoint.id}/test/`);
    expect(test.status).toBe(202);
    await waitUntil(() => hooks.received.length >= 1, DEADLINE_MS, 'the test event');
    expect(hooks.events()[0]).toEqual(expect.objectContaining({ type: 'webhook.test' }));
    const [delivery] = await deliveries(endpoint.id);
    await waitUntil(async () => (await deliveries(endpoint.id))[0]?.status === 'succeeded', DEADLINE_MS, 'the logged test');
    const redelivered = await as('admin')<DeliveryBody>('POST', `/api/webhooks/${endpoint.id}/deliveries/${delivery.id}/redeliver/`);
    expect(redelivered.status).toBe(202);
    await waitUntil(() => hooks.received.length >= 2, DEADLINE_MS, 'the redelivery');
    expect(hooks.received[1].headers['webhook-id']).toBe(hooks.received[0].headers['webhook-id']);
    expect(other.received).toHaveLength(0);
    expect((await as('admin')('POST', `/api/webhooks/${endpoint.id}/deliveries/00000000-0000-4000-8000-000000000000/redeliver/`)).status).toBe(404);
  });

  it('announces tenant suspension and restoration, member changes, and a new account made for the tenant', async () => {
    const hooks = await receiver();
    await createEndpoint(hooks.url, ['tenant.suspended', 'tenant.restored', 'member.added', 'member.removed', 'user.registered']);
    const member = await as('admin')<{ id: string }>('POST', '/api/tenant-users/', { body: { tenant: world.tenantA.id, email: `joiner-${Date.now()}@example.com`, password: TEST_PASSWORD, role: 'member' } });
    expect(member.status).toBe(201);
    expect((await as('admin')('DELETE', `/api/tenant-users/${member.body.id}/`)).status).toBe(204);
    expect((await as('platform_admin')('POST', `/api/tenants/${world.tenantA.slug}/suspend/`, { body: { reason: 'test' } })).status).toBe(200);
    expect((await as('platform_admin')('POST', `/api/tenants/${world.tenantA.slug}/restore/`)).status).toBe(200);
    await waitUntil(() => hooks.received.length >= 5, DEADLINE_MS, 'five events');
    const types = hooks.events().map((event) => event.type);
    expect(types.sort()).toEqual(['member.added', 'member.removed', 'tenant.restored', 'tenant.suspended', 'user.registered']);
    expect(hooks.events().find((event) => event.type === 'user.registered')?.data).toEqual(expect.objectContaining({ tenant: world.tenantA.id, role: 'member', email: expect.stringMatching(/^joiner-/) }));
    expect(hooks.events().find((event) => event.type === 'tenant.suspended')?.data).toEqual(expect.objectContaining({ tenant: world.tenantA.id, status: 'suspended', suspension_reason: 'test' }));
  });

  it("keeps tenants apart: another tenant's endpoint receives none of this tenant's events", async () => {
    const mine = await receiver();
    const theirs = await receiver();
    await createEndpoint(mine.url, ['key.created']);
    await createEndpoint(theirs.url, ['key.created'], world.tenantB.id, 'outsider');
    await createKey('isolation');
    await waitUntil(() => mine.received.length >= 1, DEADLINE_MS, 'my delivery');
    await createKey('isolation-marker');
    await waitUntil(() => mine.received.length >= 2, DEADLINE_MS, 'the marker');
    expect(theirs.received).toHaveLength(0);
  });

  it('announces 80 % and 100 % of a period quota once each, from the metered usage', async () => {
    const hooks = await receiver();
    await createEndpoint(hooks.url, ['usage.threshold'], world.tenantB.id, 'outsider');
    expect((await as('platform_admin')('PATCH', `/api/tenants/${world.tenantB.slug}/`, { body: { quota: { api_calls_limit: 10 } } })).status).toBe(200);
    const stream = new UsageStreamClient(world.app.redisKeyPrefix);
    try {
      const batch = (n: number) => Array.from({ length: n }, () => usageEvent({ tenant_id: world.tenantB.id }));
      await stream.append(...batch(7));
      await stream.waitDrained();
      await stream.append(...batch(1));
      await waitUntil(() => hooks.received.length >= 1, DEADLINE_MS, 'the 80 % crossing');
      await stream.append(...batch(1));
      await stream.append(...batch(3));
      await waitUntil(() => hooks.received.length >= 2, DEADLINE_MS, 'the 100 % crossing');
      await stream.append(...batch(5));
      await stream.waitDrained();
      // Anything the last batches announced would be queued behind this test event.
      const [endpoint] = (await as('outsider')<{ results: EndpointBody[] }>('GET', `/api/webhooks/?tenant=${world.tenantB.id}`)).body.results.filter((row) => row.url === hooks.url);
      expect((await as('outsider')('POST', `/api/webhooks/${endpoint.id}/test/`)).status).toBe(202);
      await waitUntil(() => hooks.ofType('webhook.test').length === 1, DEADLINE_MS, 'the test event');
      const crossings = hooks.ofType('usage.threshold').map((request) => JSON.parse(request.body).data as Record<string, unknown>);
      expect(crossings).toEqual([
        expect.objectContaining({ subject: 'quota.api_calls', threshold_percent: 80, used: 8, limit: 10, unit: 'requests', tenant: world.tenantB.id }),
        expect.objectContaining({ subject: 'quota.api_calls', threshold_percent: 100, limit: 10 }),
      ]);
    } finally {
      stream.redis.disconnect();
    }
  });

  it('disables an endpoint that keeps failing, audits it, and tells the tenant’s other endpoints', async () => {
    const failing = await receiver(() => ({ status: 503 }));
    const watcher = await receiver();
    const endpoint = await createEndpoint(failing.url, ['usage.threshold', 'key.created']);
    await createEndpoint(watcher.url, ['usage.threshold']);
    const first = Date.now();
    await createKey('fails');
    // Failures keep coming until the streak is older than WEBHOOK_DISABLE_AFTER_HOURS.
    await waitUntil(async () => {
      if (Date.now() - first > 4_000 && failing.received.length < 8) await createKey(`fails-${Date.now()}`);
      return !(await as('admin')<EndpointBody>('GET', `/api/webhooks/${endpoint.id}/`)).body.enabled;
    }, 30_000, 'the endpoint to be disabled');
    const read = await as('admin')<EndpointBody>('GET', `/api/webhooks/${endpoint.id}/`);
    expect(read.body).toEqual(expect.objectContaining({ enabled: false, disabled_reason: 'failing' }));
    await waitUntil(() => watcher.ofType('webhook.disabled').length >= 1, DEADLINE_MS, 'webhook.disabled at the other endpoint');
    expect(JSON.parse(watcher.ofType('webhook.disabled')[0].body).data).toEqual(expect.objectContaining({ endpoint: endpoint.id, reason: 'failing' }));
    const audit = await db.query(`SELECT count(*)::int AS n FROM audit_events WHERE event_type = 'webhook_endpoint.disabled' AND resource_id = $1`, [endpoint.id]);
    expect(audit.rows[0].n).toBe(1);
    const pending = await db.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = $1 AND status = 'pending'`, [endpoint.id]);
    expect(pending.rows[0].n).toBe(0);
  });
});
