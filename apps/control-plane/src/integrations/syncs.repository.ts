import { listSlice, orderBy, query, queryOne, type ListWindow, type Reader, type Slice, type Transaction } from '@sluice/control-plane/data-access';
import type { DataSource } from 'typeorm';

export type SyncType = 'users' | 'subscriptions' | 'notifications';
export const SYNC_TYPES: readonly SyncType[] = ['users', 'subscriptions', 'notifications'];
export type SyncStatus = 'queued' | 'running' | 'completed' | 'failed';

export interface SyncError {
  page: number;
  message: string;
  at: string;
}

export interface SyncRow {
  id: string;
  tenant_id: string;
  provider_id: string;
  provider_name: string;
  sync_type: SyncType;
  status: SyncStatus;
  next_page: number;
  pages: number;
  total: number | null;
  records_created: number;
  records_updated: number;
  errors: SyncError[];
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface SyncRecord {
  externalId: string;
  data: Record<string, unknown>;
}

const FROM = 'integration_syncs s JOIN integration_providers p ON p.id = s.provider_id';
const SELECT = `SELECT s.*, p.name AS provider_name FROM ${FROM}`;

/** Data syncs (their cursor and counts) and the records they keep, one per provider, type and external id. */
export class SyncsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(tenantId: string, providerId: string, syncType: SyncType): Promise<SyncRow> {
    const row = await queryOne<{ id: string }>(this.dataSource, 'INSERT INTO integration_syncs (tenant_id, provider_id, sync_type) VALUES ($1, $2, $3) RETURNING id', [tenantId, providerId, syncType]);
    return (await this.findById(tenantId, (row as { id: string }).id)) as SyncRow;
  }

  findById(tenantId: string, id: string, db: Reader = this.dataSource): Promise<SyncRow | null> {
    return queryOne<SyncRow>(db, `${SELECT} WHERE s.tenant_id = $1 AND s.id = $2`, [tenantId, id]);
  }

  find(id: string, db: Reader = this.dataSource): Promise<SyncRow | null> {
    return queryOne<SyncRow>(db, `${SELECT} WHERE s.id = $1`, [id]);
  }

  async tenantOf(id: string): Promise<string | null> {
    return (await queryOne<{ tenant_id: string }>(this.dataSource, 'SELECT tenant_id FROM integration_syncs WHERE id = $1', [id]))?.tenant_id ?? null;
  }

  /** The sync's row, locked: one page commits at a time, and only the page the cursor expects. */
  lock(tx: Transaction, id: string): Promise<SyncRow | null> {
    return queryOne<SyncRow>(tx, `${SELECT} WHERE s.id = $1 FOR UPDATE OF s`, [id]);
  }

  async start(id: string): Promise<void> {
    await query(this.dataSource, `UPDATE integration_syncs SET status = 'running', started_at = coalesce(started_at, now()) WHERE id = $1 AND status IN ('queued', 'running', 'failed')`, [id]);
  }

  /**
   * Upserts one page's records for (provider, type, external id) and moves the
   * cursor past the page, in the caller's transaction: a sync killed before
   * the commit fetches the page again, one killed after continues with the next.
   */
  async commitPage(tx: Transaction, sync: SyncRow, records: readonly SyncRecord[], total: number | null): Promise<{ created: number; updated: number }> {
    let created = 0;
    let updated = 0;
    for (const record of records) {
      const [row] = await query<{ inserted: boolean }>(
        tx,
        `INSERT INTO integration_records (provider_id, record_type, external_id, tenant_id, data) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (provider_id, record_type, external_id) DO UPDATE SET data = EXCLUDED.data, updated_at = now()
         RETURNING (xmax = 0) AS inserted`,
        [sync.provider_id, sync.sync_type, record.externalId, sync.tenant_id, record.data],
      );
      if (row?.inserted) created += 1;
      else updated += 1;
    }
    await query(
      tx,
      `UPDATE integration_syncs SET next_page = next_page + 1, pages = pages + 1, total = coalesce($2, total),
         records_created = records_created + $3, records_updated = records_updated + $4 WHERE id = $1`,
      [sync.id, total, created, updated],
    );
    return { created, updated };
  }

  async finish(id: string, status: 'completed' | 'failed'): Promise<void> {
    await query(this.dataSource, 'UPDATE integration_syncs SET status = $2, finished_at = now() WHERE id = $1', [id, status]);
  }

  async recordError(id: string, error: SyncError): Promise<void> {
    // The last 50 errors are kept: a sync retried for hours must not grow its row without end.
    await query(
      this.dataSource,
      `UPDATE integration_syncs SET errors = (SELECT coalesce(jsonb_agg(e), '[]') FROM (SELECT e FROM jsonb_array_elements(errors || jsonb_build_array($2::jsonb)) e OFFSET greatest(jsonb_array_length(errors) + 1 - 50, 0)) t) WHERE id = $1`,
      [id, JSON.stringify(error)],
    );
  }

  list(tenantIds: string[] | null, window: ListWindow): Promise<Slice<SyncRow>> {
    const where = tenantIds === null ? [] : ['s.tenant_id = ANY($1)'];
    const order = orderBy(window.ordering, ['created_at'], '-created_at').replace(/ORDER BY (\w+)/, 'ORDER BY s.$1').replace('id ASC', 's.id ASC');
    return listSlice<SyncRow>(this.dataSource, FROM, where, tenantIds === null ? [] : [tenantIds], window, order, 's.*, p.name AS provider_name');
  }
}
