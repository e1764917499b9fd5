import { listSlice, query, queryOne, type Reader, type Slice, type Transaction } from '@sluice/control-plane/data-access';
import type { DataSource } from 'typeorm';

export interface WebhookEndpointRow {
  id: string;
  tenant_id: string;
  url: string;
  events: string[];
  description: string;
  enabled: boolean;
  secret_sealed: string;
  previous_secret_sealed: string | null;
  previous_secret_expires_at: Date | null;
  failing_since: Date | null;
  disabled_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

export type WebhookEndpointChanges = Partial<
  Pick<WebhookEndpointRow, 'url' | 'events' | 'description' | 'enabled' | 'secret_sealed' | 'previous_secret_sealed' | 'previous_secret_expires_at' | 'failing_since' | 'disabled_reason'>
>;

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface WebhookDeliveryRow {
  id: string;
  endpoint_id: string;
  tenant_id: string;
  message_id: string;
  event_type: string;
  body: unknown;
  status: DeliveryStatus;
  attempt_count: number;
  schedule_step: number;
  next_attempt_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface WebhookAttemptRow {
  id: string;
  delivery_id: string;
  attempted_at: Date;
  status_code: number | null;
  duration_ms: number;
  response_excerpt: string;
  error: string | null;
  next_attempt_at: Date | null;
}

/** A delivery claimed for one attempt, with what the attempt needs of its endpoint. */
export interface ClaimedDelivery extends WebhookDeliveryRow {
  url: string;
  enabled: boolean;
  secret_sealed: string;
  previous_secret_sealed: string | null;
  previous_secret_expires_at: Date | null;
}

export interface AttemptRecord {
  statusCode: number | null;
  durationMs: number;
  responseExcerpt: string;
  error: string | null;
  nextAttemptAt: Date | null;
}

/** A delivery that is due and that no attempt holds: the sweeper hands it to the job runner again. */
export interface DueDelivery {
  id: string;
  endpoint_id: string;
  attempt_count: number;
  next_attempt_at: Date;
}

const ENDPOINT_COLUMNS = 'id, tenant_id, url, events, description, enabled, secret_sealed, previous_secret_sealed, previous_secret_expires_at, failing_since, disabled_reason, created_at, updated_at';
const DELIVERY_COLUMNS = 'id, endpoint_id, tenant_id, message_id, event_type, body, status, attempt_count, schedule_step, next_attempt_at, created_at, updated_at';

/**
 * The webhooks feature's tables (docs/webhooks.md). Endpoint reads take the
 * tenant first; deliveries are reached through their endpoint. Claims,
 * attempts and the fan-out are single statements, so replicas never deliver
 * the same attempt twice nor lose one between them.
 */
export class WebhooksRepository {
  constructor(private readonly dataSource: DataSource) {}

  // Endpoints

  async createEndpoint(tx: Transaction, tenantId: string, values: { id: string; url: string; events: string[]; description: string; enabled: boolean; secretSealed: string }): Promise<WebhookEndpointRow> {
    return (await queryOne<WebhookEndpointRow>(
      tx,
      `INSERT INTO webhook_endpoints (id, tenant_id, url, events, description, enabled, secret_sealed) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${ENDPOINT_COLUMNS}`,
      [values.id, tenantId, values.url, values.events, values.description, values.enabled, values.secretSealed],
    )) as WebhookEndpointRow;
  }

  tenantOfEndpoint(id: string): Promise<string | null> {
    return queryOne<{ tenant_id: string }>(this.dataSource, 'SELECT tenant_id FROM webhook_endpoints WHERE id = $1', [id]).then((row) => row?.tenant_id ?? null);
  }

  findEndpoint(tenantId: string, id: string, db: Reader = this.dataSource): Promise<WebhookEndpointRow | null> {
    return queryOne<WebhookEndpointRow>(db, `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  }

  lockEndpoint(tx: Transaction, tenantId: string, id: string): Promise<WebhookEndpointRow | null> {
    return queryOne<WebhookEndpointRow>(tx, `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [tenantId, id]);
  }

  /** Null tenant ids: every tenant (platform admins). */
  listEndpoints(tenantIds: string[] | null, window: { limit: number; offset: number }): Promise<Slice<WebhookEndpointRow>> {
    const where = tenantIds === null ? [] : ['tenant_id = ANY($1::uuid[])'];
    return listSlice<WebhookEndpointRow>(this.dataSource, 'webhook_endpoints', where, tenantIds === null ? [] : [tenantIds], window, 'ORDER BY created_at ASC, id ASC', ENDPOINT_COLUMNS);
  }

  async updateEndpoint(tx: Transaction, tenantId: string, id: string, changes: WebhookEndpointChanges): Promise<WebhookEndpointRow> {
    const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
    const sets = entries.map(([column], index) => `${column} = $${index + 3}`);
    return (await queryOne<WebhookEndpointRow>(
      tx,
      `UPDATE webhook_endpoints SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE tenant_id = $1 AND id = $2 RETURNING ${ENDPOINT_COLUMNS}`,
      [tenantId, id, ...entries.map(([, value]) => value)],
    )) as WebhookEndpointRow;
  }

  async deleteEndpoint(tx: Transaction, tenantId: string, id: string): Promise<void> {
    await query(tx, 'DELETE FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  }

  // Outbox

  /** Called inside the transaction of the change the event describes. */
  async appendEvent(tx: Transaction, event: { tenantId: string; type: string; body: unknown; endpointId?: string }): Promise<void> {
    await query(tx, 'INSERT INTO webhook_outbox (tenant_id, event_type, endpoint_id, body) VALUES ($1, $2, $3, $4)', [event.tenantId, event.type, event.endpointId ?? null, JSON.stringify(event.body)]);
  }

  /**
   * Moves up to `limit` outbox events into one delivery per enabled endpoint
   * that subscribes to the type (`webhook.test` only to its endpoint,
   * `webhook.disabled` to every other enabled endpoint of the tenant), in one
   * statement: the events leave the outbox exactly when their deliveries exist.
   * Replicas skip each other's locked rows.
   */
  async fanOut(limit: number): Promise<{ drained: number; deliveries: DueDelivery[] }> {
    const [row] = await query<{ drained: string; deliveries: DueDelivery[] }>(
      this.dataSource,
      `WITH batch AS (
         DELETE FROM webhook_outbox WHERE id IN (SELECT id FROM webhook_outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING id, message_id, tenant_id, event_type, endpoint_id, body
       ), inserted AS (
         INSERT INTO webhook_deliveries (endpoint_id, tenant_id, message_id, event_type, body, next_attempt_at)
         SELECT e.id, b.tenant_id, b.message_id, b.event_type, b.body, now()
         FROM batch b JOIN webhook_endpoints e ON e.tenant_id = b.tenant_id AND e.enabled
         WHERE CASE
           WHEN b.endpoint_id IS NOT NULL THEN e.id = b.endpoint_id
           WHEN b.event_type = 'webhook.disabled' THEN true
           ELSE b.event_type = ANY (e.events)
         END
         ORDER BY b.id, e.id
         -- An endpoint being disabled right now is waited for and then left
         -- out; its abandoning of pending deliveries cannot miss these.
         FOR SHARE OF e
         RETURNING id, endpoint_id, attempt_count, next_attempt_at
       )
       SELECT (SELECT count(*) FROM batch) AS drained, coalesce((SELECT json_agg(inserted) FROM inserted), '[]'::json) AS deliveries`,
      [limit],
    );
    return { drained: Number(row.drained), deliveries: row.deliveries.map((delivery) => ({ ...delivery, next_attempt_at: new Date(delivery.next_attempt_at) })) };
  }

  /** Records that a usage threshold was announced for a period; false when it already was. */
  async markThreshold(tx: Transaction, tenantId: string, subject: string, periodStart: string, threshold: number): Promise<boolean> {
    const rows = await query(
      tx,
      'INSERT INTO webhook_usage_thresholds (tenant_id, subject, period_start, threshold) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING threshold',
      [tenantId, subject, periodStart, threshold],
    );
    return rows.length === 1;
  }

  // Deliveries

  /**
   * Takes a delivery for one attempt: only while it is pending, still at the
   * attempt the job was queued for, and not held by another attempt (whose
   * lease ran out if its process died). The count moves on, so a job queued
   * for an older attempt finds nothing to do.
   */
  claim(deliveryId: string, expectedAttempt: number, leaseMs: number): Promise<ClaimedDelivery | null> {
    return queryOne<ClaimedDelivery>(
      this.dataSource,
      `UPDATE webhook_deliveries d SET attempt_count = d.attempt_count + 1, lease_until = now() + ($3 * interval '1 millisecond'), updated_at = now()
       FROM webhook_endpoints e
       WHERE d.id = $1 AND d.attempt_count = $2 AND d.status = 'pending' AND (d.lease_until IS NULL OR d.lease_until < now()) AND e.id = d.endpoint_id
       RETURNING d.id, d.endpoint_id, d.tenant_id, d.message_id, d.event_type, d.body, d.status, d.attempt_count, d.schedule_step, d.next_attempt_at, d.created_at, d.updated_at,
                 e.url, e.enabled, e.secret_sealed, e.previous_secret_sealed, e.previous_secret_expires_at`,
      [deliveryId, expectedAttempt, leaseMs],
    );
  }

  /**
   * Records an attempt, moves the endpoint's failing streak (cleared by a
   * success, started by a failure) and the delivery on (finished, or pending
   * until `nextAttemptAt`); returns when the streak began (null after a
   * success) and whether the endpoint is still enabled. The endpoint's row is
   * locked first, as disabling it does, so an attempt that was in flight while
   * the endpoint was disabled cannot put its delivery back to pending.
   */
  completeAttempt(
    delivery: { id: string; endpointId: string },
    attempt: AttemptRecord,
    outcome: { status: DeliveryStatus; scheduleStep: number },
  ): Promise<{ failingSince: Date | null; enabled: boolean }> {
    const succeeded = outcome.status === 'succeeded';
    return this.dataSource.transaction(async (manager) => {
      const tx = { manager };
      const endpoint = await queryOne<{ failing_since: Date | null; enabled: boolean }>(
        tx,
        'UPDATE webhook_endpoints SET failing_since = CASE WHEN $2::boolean THEN NULL ELSE coalesce(failing_since, now()) END WHERE id = $1 RETURNING failing_since, enabled',
        [delivery.endpointId, succeeded],
      );
      const enabled = endpoint?.enabled ?? false;
      const stopped = outcome.status === 'pending' && !enabled;
      await query(
        tx,
        `WITH attempt AS (
           INSERT INTO webhook_attempts (delivery_id, status_code, duration_ms, response_excerpt, error, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6)
         )
         UPDATE webhook_deliveries SET status = $7, schedule_step = $8, next_attempt_at = $9, lease_until = NULL, updated_at = now() WHERE id = $1`,
        [
          delivery.id,
          attempt.statusCode,
          attempt.durationMs,
          attempt.responseExcerpt,
          attempt.error,
          stopped ? null : attempt.nextAttemptAt,
          stopped ? 'failed' : outcome.status,
          outcome.scheduleStep,
          stopped ? null : attempt.nextAttemptAt,
        ],
      );
      return { failingSince: endpoint?.failing_since ?? null, enabled };
    });
  }

  async finishDelivery(tx: Transaction, deliveryId: string, outcome: { status: DeliveryStatus; scheduleStep: number; nextAttemptAt: Date | null }): Promise<void> {
    await query(
      tx,
      'UPDATE webhook_deliveries SET status = $2, schedule_step = $3, next_attempt_at = $4, lease_until = NULL, updated_at = now() WHERE id = $1',
      [deliveryId, outcome.status, outcome.scheduleStep, outcome.nextAttemptAt],
    );
  }

  /** Pending deliveries due for more than `graceMs` that no attempt holds (their job was lost, or its process died). */
  dueUnclaimed(graceMs: number, limit: number): Promise<DueDelivery[]> {
    return query<DueDelivery>(
      this.dataSource,
      `SELECT id, endpoint_id, attempt_count, next_attempt_at FROM webhook_deliveries
       WHERE status = 'pending' AND next_attempt_at <= now() - ($1 * interval '1 millisecond') AND (lease_until IS NULL OR lease_until < now())
       ORDER BY next_attempt_at LIMIT $2`,
      [graceMs, limit],
    );
  }

  listDeliveries(tenantId: string, endpointId: string, window: { limit: number; offset: number }): Promise<Slice<WebhookDeliveryRow>> {
    return listSlice<WebhookDeliveryRow>(
      this.dataSource,
      'webhook_deliveries',
      ['tenant_id = $1', 'endpoint_id = $2'],
      [tenantId, endpointId],
      window,
      'ORDER BY created_at DESC, id DESC',
      DELIVERY_COLUMNS,
    );
  }

  attemptsOf(deliveryIds: string[]): Promise<WebhookAttemptRow[]> {
    if (deliveryIds.length === 0) return Promise.resolve([]);
    return query<WebhookAttemptRow>(
      this.dataSource,
      'SELECT id, delivery_id, attempted_at, status_code, duration_ms, response_excerpt, error, next_attempt_at FROM webhook_attempts WHERE delivery_id = ANY($1::uuid[]) ORDER BY id',
      [deliveryIds],
    );
  }

  findDelivery(tenantId: string, endpointId: string, id: string): Promise<WebhookDeliveryRow | null> {
    return queryOne<WebhookDeliveryRow>(this.dataSource, `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE tenant_id = $1 AND endpoint_id = $2 AND id = $3`, [tenantId, endpointId, id]);
  }

  /** Sends a delivery again from the start of the schedule, with the same message id. */
  async requeueDelivery(tx: Transaction, tenantId: string, id: string): Promise<WebhookDeliveryRow> {
    return (await queryOne<WebhookDeliveryRow>(
      tx,
      `UPDATE webhook_deliveries SET status = 'pending', schedule_step = 0, next_attempt_at = now(), updated_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING ${DELIVERY_COLUMNS}`,
      [tenantId, id],
    )) as WebhookDeliveryRow;
  }

  /** Deliveries of a disabled endpoint stop: nothing more is attempted. */
  async abandonPending(tx: Transaction, endpointId: string): Promise<void> {
    await query(tx, `UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, updated_at = now() WHERE endpoint_id = $1 AND status = 'pending'`, [endpointId]);
  }
}
