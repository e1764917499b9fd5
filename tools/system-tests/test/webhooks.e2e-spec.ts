import { createActiveTenant, unique, waitUntil, WebhookReceiver } from '@sluice/testing';
import { Client } from 'pg';
import { Webhook } from 'standardwebhooks';
import { Cluster } from './support/cluster';
import { SERVICES_TIMEOUT_MS } from './support/services';

const DEADLINE_MS = 60_000;

/**
 * Outbound webhooks across control-plane crashes and under load
 * (docs/webhooks.md, Delivery guarantees): the real control plane in its own
 * process, receivers in this one.
 */
describe('outbound webhooks, as deployed', () => {
  let cluster: Cluster;
  let db: Client;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    cluster = await Cluster.start({
      controlPlanes: 1,
      gateways: 0,
      controlPlaneEnv: { WEBHOOK_ALLOWED_PRIVATE_CIDRS: '127.0.0.0/8', WEBHOOK_RETRY_SCHEDULE: '1,1,1,1,1', WEBHOOK_TIMEOUT_MS: '3000' },
    });
    db = new Client({ connectionString: cluster.databaseUrl });
    await db.connect();
  }, SERVICES_TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all(receivers.map((receiver) => receiver.close()));
    await db?.end();
    await cluster?.close();
  }, SERVICES_TIMEOUT_MS);

  const receiver = async (...args: Parameters<typeof WebhookReceiver.start>): Promise<WebhookReceiver> => {
    const started = await WebhookReceiver.start(...args);
    receivers.push(started);
    return started;
  };

  const newTenant = () => createActiveTenant(cluster.call, cluster.adminToken, unique('hooks'));

  const createEndpoint = async (tenant: string, url: string, events: string[]): Promise<{ id: string; secret: string }> => {
    const response = await cluster.call<{ id: string; secret: string }>('POST', '/api/webhooks/', { token: cluster.adminToken, body: { tenant, url, events } });
    expect(response.status).toBe(201);
    return response.body;
  };

  const createKey = async (tenant: string): Promise<string> => {
    const response = await cluster.call<{ id: string }>('POST', '/api/api-keys/', { token: cluster.adminToken, body: { tenant, name: unique('k'), service: true } });
    expect(response.status).toBe(201);
    return response.body.id;
  };

  it(
    'loses nothing when the control plane is killed right after the changes commit',
    async () => {
      const tenant = await newTenant();
      const hooks = await receiver();
      const endpoint = await createEndpoint(tenant.id, hooks.url, ['key.created']);
      const keys: string[] = [];
      for (let index = 0; index < 5; index++) keys.push(await createKey(tenant.id));
      await cluster.controlPlanes[0].kill();
      await cluster.controlPlanes[0].restart();
      await waitUntil(() => new Set(hooks.ofType('key.created').map((request) => request.headers['webhook-id'])).size >= 5, DEADLINE_MS, 'every key.created after the restart');
      const delivered = hooks.ofType('key.created').map((request) => new Webhook(endpoint.secret).verify(request.body, request.headers) as { data: { id: string } });
      expect(new Set(delivered.map((event) => event.data.id))).toEqual(new Set(keys));
    },
    SERVICES_TIMEOUT_MS,
  );

  it(
    'delivers after a restart a delivery that was in progress when the control plane was killed, with the same webhook-id',
    async () => {
      const tenant = await newTenant();
      // The first request is held (the control plane dies waiting for it); later ones are answered.
      const hooks = await receiver((index) => (index === 0 ? { status: 200, hang: true } : { status: 200 }));
      const endpoint = await createEndpoint(tenant.id, hooks.url, ['key.created']);
      await createKey(tenant.id);
      await waitUntil(() => hooks.received.length >= 1, DEADLINE_MS, 'the first attempt to arrive');
      await cluster.controlPlanes[0].kill();
      await cluster.controlPlanes[0].restart();
      await waitUntil(() => hooks.received.length >= 2, DEADLINE_MS, 'the delivery after the restart');
      expect(hooks.received[1].headers['webhook-id']).toBe(hooks.received[0].headers['webhook-id']);
      expect(() => new Webhook(endpoint.secret).verify(hooks.received[1].body, hooks.received[1].headers)).not.toThrow();
      const { rows } = await db.query(`SELECT status FROM webhook_deliveries WHERE endpoint_id = $1`, [endpoint.id]);
      await waitUntil(async () => (await db.query(`SELECT status FROM webhook_deliveries WHERE endpoint_id = $1`, [endpoint.id])).rows[0]?.status === 'succeeded', DEADLINE_MS, 'the log to say succeeded');
      expect(rows).toHaveLength(1);
    },
    SERVICES_TIMEOUT_MS,
  );

  it(
    'delivers a burst of 1,000 events to 10 endpoints, one of them slow, without the slow one holding back the others',
    async () => {
      const tenant = await newTenant();
      const fast = await Promise.all(Array.from({ length: 9 }, () => receiver()));
      const slow = await receiver(async () => {
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        return { status: 200 };
      });
      for (const target of [slow, ...fast]) await createEndpoint(tenant.id, target.url, ['key.created']);
      const started = Date.now();
      // The events go straight into the outbox (as 1,000 committed changes would leave them), so the test measures delivery alone.
      await db.query(
        `INSERT INTO webhook_outbox (tenant_id, event_type, body)
         SELECT $1, 'key.created', jsonb_build_object('type', 'key.created', 'timestamp', now(), 'data', jsonb_build_object('n', n)) FROM generate_series(1, 1000) n`,
        [tenant.id],
      );
      await waitUntil(() => fast.every((target) => target.received.length >= 1_000), 300_000, '1,000 deliveries at each fast endpoint');
      const finished = Math.max(...fast.map((target) => target.received[999].receivedAt));
      const seconds = (finished - started) / 1000;
      // The rate for the note (docs/webhooks.md, Throughput): fast deliveries per second while the slow endpoint is busy.
      console.log(`webhook burst: 9,000 deliveries to 9 fast endpoints in ${seconds.toFixed(1)} s (${Math.round(9_000 / seconds)}/s); the slow endpoint had ${slow.received.length} of 1,000, at most ${slow.maxInFlight} at once`);
      expect(slow.received.length).toBeLessThan(1_000);
      expect(slow.maxInFlight).toBeLessThanOrEqual(8);
      for (const target of fast) expect(new Set(target.received.map((request) => request.headers['webhook-id'])).size).toBe(1_000);
    },
    SERVICES_TIMEOUT_MS * 2,
  );
});
