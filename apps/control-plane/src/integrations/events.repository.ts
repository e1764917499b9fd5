import { listSlice, orderBy, query, queryOne, type ListWindow, type Reader, type Slice, type Transaction } from '@sluice/control-plane/data-access';
import type { DataSource } from 'typeorm';

export type EventStatus = 'received' | 'processing' | 'processed' | 'failed';
export const EVENT_STATUSES: readonly EventStatus[] = ['received', 'processing', 'processed', 'failed'];

export interface EventRow {
  id: string;
  tenant_id: string;
  provider_id: string;
  provider_name: string;
  event_id: string;
  event_type: string;
  payload: Record<string, unknown>;
  status: EventStatus;
  retry_count: number;
  outcome: string | null;
  error: string | null;
  created_at: Date;
  updated_at: Date;
  processed_at: Date | null;
}

export interface NewEvent {
  tenantId: string;
  providerId: string;
  eventId: string;
  eventType: string;
  payload: Record<string, unknown>;
}

export interface EventFilters {
  provider?: string;
  eventType?: string;
  status?: EventStatus;
}

const WITH_PROVIDER = `integration_events e JOIN integration_providers p ON p.id = e.provider_id`;
const SELECT = `SELECT e.*, p.name AS provider_name FROM ${WITH_PROVIDER}`;

/** Inbound events: one row per provider and event id, so every redelivery finds the first. */
export class EventsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Stores an event unless the provider sent this id before; either way the
   * stored row. Concurrent deliveries of one id meet on the unique constraint:
   * one inserts, the others read its row.
   */
  async receive(event: NewEvent): Promise<{ row: EventRow; duplicate: boolean }> {
    const inserted = await queryOne<{ id: string }>(
      this.dataSource,
      `INSERT INTO integration_events (tenant_id, provider_id, event_id, event_type, payload) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (provider_id, event_id) DO NOTHING RETURNING id`,
      [event.tenantId, event.providerId, event.eventId, event.eventType, event.payload],
    );
    const row = inserted
      ? await this.findById(event.tenantId, inserted.id)
      : await queryOne<EventRow>(this.dataSource, `${SELECT} WHERE e.provider_id = $1 AND e.event_id = $2`, [event.providerId, event.eventId]);
    return { row: row as EventRow, duplicate: !inserted };
  }

  async tenantOf(id: string): Promise<string | null> {
    return (await queryOne<{ tenant_id: string }>(this.dataSource, 'SELECT tenant_id FROM integration_events WHERE id = $1', [id]))?.tenant_id ?? null;
  }

  findById(tenantId: string, id: string, db: Reader = this.dataSource): Promise<EventRow | null> {
    return queryOne<EventRow>(db, `${SELECT} WHERE e.tenant_id = $1 AND e.id = $2`, [tenantId, id]);
  }

  find(id: string): Promise<EventRow | null> {
    return queryOne<EventRow>(this.dataSource, `${SELECT} WHERE e.id = $1`, [id]);
  }

  /** The event, locked until the transaction ends: one worker at a time processes it. */
  lock(tx: Transaction, id: string): Promise<EventRow | null> {
    return queryOne<EventRow>(tx, `${SELECT} WHERE e.id = $1 FOR UPDATE OF e`, [id]);
  }

  async markProcessing(id: string): Promise<void> {
    await query(this.dataSource, `UPDATE integration_events SET status = 'processing', updated_at = now() WHERE id = $1 AND status IN ('received', 'failed')`, [id]);
  }

  async markProcessed(tx: Transaction, id: string, outcome: string): Promise<void> {
    await query(tx, `UPDATE integration_events SET status = 'processed', outcome = $2, error = NULL, processed_at = now(), updated_at = now() WHERE id = $1`, [id, outcome]);
  }

  /** A failed attempt: `retry` says whether another is scheduled (the count grows) or this was the last (`failed`). */
  async markAttemptFailed(id: string, error: string, retry: boolean): Promise<void> {
    await query(
      this.dataSource,
      `UPDATE integration_events SET status = $3, error = $2, retry_count = retry_count + $4, updated_at = now() WHERE id = $1 AND status <> 'processed'`,
      [id, error.slice(0, 2000), retry ? 'received' : 'failed', retry ? 1 : 0],
    );
  }

  /** Back to `received` for a retry by hand; false when the event was already processed. */
  async reopen(tenantId: string, id: string): Promise<boolean> {
    const rows = await query<{ id: string }>(
      this.dataSource,
      `UPDATE integration_events SET status = 'received', updated_at = now() WHERE tenant_id = $1 AND id = $2 AND status <> 'processed' RETURNING id`,
      [tenantId, id],
    );
    return rows.length === 1;
  }

  /** Events still waiting after `olderThanMs` (their job lost with Redis, say): enqueued again by the sweep. */
  async stranded(olderThanMs: number, limit = 500): Promise<Array<{ id: string }>> {
    return query<{ id: string }>(
      this.dataSource,
      `SELECT id FROM integration_events WHERE status IN ('received', 'processing') AND updated_at < now() - make_interval(secs => $1::float8 / 1000) ORDER BY updated_at LIMIT $2`,
      [olderThanMs, limit],
    );
  }

  list(tenantIds: string[] | null, filters: EventFilters, window: ListWindow): Promise<Slice<EventRow>> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: (n: number) => string, value: unknown) => {
      params.push(value);
      where.push(clause(params.length));
    };
    if (tenantIds !== null) add((n) => `e.tenant_id = ANY($${n})`, tenantIds);
    if (filters.provider !== undefined) add((n) => `(p.name = $${n} OR p.id::text = $${n})`, filters.provider);
    if (filters.eventType !== undefined) add((n) => `e.event_type = $${n}`, filters.eventType);
    if (filters.status !== undefined) add((n) => `e.status = $${n}`, filters.status);
    const order = orderBy(window.ordering, ['created_at'], '-created_at').replace(/ORDER BY (\w+)/, 'ORDER BY e.$1').replace('id ASC', 'e.id ASC');
    return listSlice<EventRow>(this.dataSource, WITH_PROVIDER, where, params, window, order, 'e.*, p.name AS provider_name');
  }
}
