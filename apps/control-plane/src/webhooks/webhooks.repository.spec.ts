import { dataSourceOptions } from '@sluice/control-plane/data-access';
import { createTestDatabase, waitUntil } from '@sluice/testing';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { WebhooksRepository } from './webhooks.repository';

/**
 * Disabling an endpoint (webhook-endpoint-health.ts) locks its row, marks it
 * disabled and fails its pending deliveries in one transaction. Work that
 * runs while that transaction is open must not leave a pending delivery
 * behind it: a fan-out of new events, or an attempt that was in flight.
 */
describe('WebhooksRepository while an endpoint is being disabled', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let dataSource: DataSource;
  let webhooks: WebhooksRepository;
  let disabler: Client;
  let tenantId: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await new DataSource(dataSourceOptions(database.url, 4)).initialize();
    webhooks = new WebhooksRepository(dataSource);
    disabler = new Client({ connectionString: database.url });
    await disabler.connect();
    const slug = `tenant-${randomUUID().slice(0, 8)}`;
    [{ id: tenantId }] = await dataSource.query(`INSERT INTO tenants (name, slug, status, subscription_tier) VALUES ($1, $2, 'active', 'basic') RETURNING id`, [slug, slug]);
  });

  afterAll(async () => {
    await disabler?.end();
    await dataSource?.destroy();
    await database?.drop();
  });

  async function insertEndpoint(): Promise<string> {
    const [row] = await dataSource.query(`INSERT INTO webhook_endpoints (tenant_id, url, events, secret_sealed) VALUES ($1, 'http://127.0.0.1:9/hook', '{key.created}', 'sealed') RETURNING id`, [tenantId]);
    return row.id;
  }

  /** Opens the disabling transaction as the health check does it, and leaves it open. */
  async function beginDisabling(endpointId: string): Promise<void> {
    await disabler.query('BEGIN');
    await disabler.query('SELECT id FROM webhook_endpoints WHERE id = $1 FOR UPDATE', [endpointId]);
    await disabler.query(`UPDATE webhook_endpoints SET enabled = false, disabled_reason = 'failing' WHERE id = $1`, [endpointId]);
    await disabler.query(`UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL WHERE endpoint_id = $1 AND status = 'pending'`, [endpointId]);
  }

  /** Resolves once another session waits for a row lock of the disabling transaction. */
  async function someoneWaitsForTheLock(): Promise<void> {
    await waitUntil(
      async () => {
        const [row] = await dataSource.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        return row.n > 0;
      },
      10_000,
      'a statement waiting for the endpoint being disabled',
    );
  }

  async function deliveriesOf(endpointId: string): Promise<Array<{ status: string; next_attempt_at: Date | null }>> {
    return dataSource.query('SELECT status, next_attempt_at FROM webhook_deliveries WHERE endpoint_id = $1', [endpointId]);
  }

  it('a fan-out waits for the endpoint being disabled, then leaves it out', async () => {
    const endpointId = await insertEndpoint();
    await dataSource.query(`INSERT INTO webhook_outbox (tenant_id, event_type, body) VALUES ($1, 'key.created', '{}')`, [tenantId]);
    await beginDisabling(endpointId);
    const fanOut = webhooks.fanOut(10);
    await someoneWaitsForTheLock();
    await disabler.query('COMMIT');
    expect(await fanOut).toEqual({ drained: 1, deliveries: [] });
    expect(await deliveriesOf(endpointId)).toEqual([]);
  });

  it('an attempt in flight while its endpoint is disabled ends its delivery instead of scheduling a retry', async () => {
    const endpointId = await insertEndpoint();
    const [delivery] = await dataSource.query(
      `INSERT INTO webhook_deliveries (endpoint_id, tenant_id, message_id, event_type, body, next_attempt_at) VALUES ($1, $2, 'msg_1', 'key.created', '{}', now()) RETURNING id`,
      [endpointId, tenantId],
    );
    expect(await webhooks.claim(delivery.id, 0, 60_000)).not.toBeNull();
    await beginDisabling(endpointId);
    const retryAt = new Date(Date.now() + 60_000);
    const completed = webhooks.completeAttempt(
      { id: delivery.id, endpointId },
      { statusCode: 503, durationMs: 5, responseExcerpt: '', error: null, nextAttemptAt: retryAt },
      { status: 'pending', scheduleStep: 1 },
    );
    await someoneWaitsForTheLock();
    await disabler.query('COMMIT');
    expect(await completed).toEqual({ failingSince: expect.any(Date), enabled: false });
    expect(await deliveriesOf(endpointId)).toEqual([{ status: 'failed', next_attempt_at: null }]);
    const [attempt] = await dataSource.query('SELECT status_code, next_attempt_at FROM webhook_attempts WHERE delivery_id = $1', [delivery.id]);
    expect(attempt).toEqual({ status_code: 503, next_attempt_at: null });
  });

  it('an attempt on an enabled endpoint schedules its retry as before', async () => {
    const endpointId = await insertEndpoint();
    const [delivery] = await dataSource.query(
      `INSERT INTO webhook_deliveries (endpoint_id, tenant_id, message_id, event_type, body, next_attempt_at) VALUES ($1, $2, 'msg_2', 'key.created', '{}', now()) RETURNING id`,
      [endpointId, tenantId],
    );
    await webhooks.claim(delivery.id, 0, 60_000);
    const retryAt = new Date(Date.now() + 60_000);
    const completed = await webhooks.completeAttempt(
      { id: delivery.id, endpointId },
      { statusCode: 503, durationMs: 5, responseExcerpt: '', error: null, nextAttemptAt: retryAt },
      { status: 'pending', scheduleStep: 1 },
    );
    expect(completed).toEqual({ failingSince: expect.any(Date), enabled: true });
    const [row] = await deliveriesOf(endpointId);
    expect(row.status).toBe('pending');
    expect(new Date(row.next_attempt_at as Date).getTime()).toBe(retryAt.getTime());
  });
});
