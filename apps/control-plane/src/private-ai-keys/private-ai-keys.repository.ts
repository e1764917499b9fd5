import { listSlice, query, queryOne, type ListWindow, type Reader, type Slice, type Transaction } from '@sluice/control-plane/data-access';
import type { DataSource } from 'typeorm';

export type PrivateAiKeyStatus = 'ready' | 'deleting' | 'deleted';

/** A private AI key's database half; its id is its API key's. */
export interface PrivateAiKeyRow {
  id: string;
  tenant_id: string;
  region_id: string;
  database_name: string;
  database_username: string;
  database_host: string;
  database_port: number;
  password_sealed: string;
  vector_enabled: boolean;
  status: PrivateAiKeyStatus;
  /** `pg_database_size` at `storage_measured_at`; null until the first measurement. */
  storage_bytes: number | null;
  storage_measured_at: Date | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

export type NewPrivateAiKey = Pick<
  PrivateAiKeyRow,
  'id' | 'tenant_id' | 'region_id' | 'database_name' | 'database_username' | 'database_host' | 'database_port' | 'password_sealed' | 'vector_enabled'
>;

const SELECT = `SELECT id, tenant_id, region_id, database_name, database_username, database_host, database_port, password_sealed, vector_enabled,
  status, storage_bytes::float8 AS storage_bytes, storage_measured_at, created_at, updated_at, deleted_at FROM private_ai_keys`;

/** The `private_ai_keys` table (docs/private-ai-keys.md). */
export class PrivateAiKeysRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(tx: Transaction, key: NewPrivateAiKey): Promise<PrivateAiKeyRow> {
    await query(
      tx,
      `INSERT INTO private_ai_keys (id, tenant_id, region_id, database_name, database_username, database_host, database_port, password_sealed, vector_enabled)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [key.id, key.tenant_id, key.region_id, key.database_name, key.database_username, key.database_host, key.database_port, key.password_sealed, key.vector_enabled],
    );
    return (await this.findById(key.id, tx)) as PrivateAiKeyRow;
  }

  /** Any status, deleted included. */
  findById(id: string, db: Reader = this.dataSource): Promise<PrivateAiKeyRow | null> {
    return queryOne<PrivateAiKeyRow>(db, `${SELECT} WHERE id = $1`, [id]);
  }

  lock(tx: Transaction, id: string): Promise<PrivateAiKeyRow | null> {
    return queryOne<PrivateAiKeyRow>(tx, `${SELECT} WHERE id = $1 FOR UPDATE`, [id]);
  }

  /** Keys not deleted, of the tenants given (null: every tenant). */
  list(tenantIds: string[] | null, window: ListWindow): Promise<Slice<PrivateAiKeyRow>> {
    const where = ["status <> 'deleted'"];
    const params: unknown[] = [];
    if (tenantIds !== null) {
      params.push(tenantIds);
      where.push(`tenant_id = ANY($${params.length}::uuid[])`);
    }
    return listSlice<PrivateAiKeyRow>(
      this.dataSource,
      'private_ai_keys',
      where,
      params,
      window,
      'ORDER BY created_at ASC, id ASC',
      'id, tenant_id, region_id, database_name, database_username, database_host, database_port, password_sealed, vector_enabled, status, storage_bytes::float8 AS storage_bytes, storage_measured_at, created_at, updated_at, deleted_at',
    );
  }

  /** Keys that hold (or are still dropping) a database: what `vector_db_count` counts. */
  async countHeld(tenantId: string, db: Reader = this.dataSource): Promise<number> {
    const row = await queryOne<{ count: number }>(db, "SELECT count(*)::int AS count FROM private_ai_keys WHERE tenant_id = $1 AND status <> 'deleted'", [tenantId]);
    return row?.count ?? 0;
  }

  /** Keys of a region by status (the clean-up job's and the storage job's work lists). */
  ofRegion(regionId: string, statuses: PrivateAiKeyStatus[], db: Reader = this.dataSource): Promise<PrivateAiKeyRow[]> {
    return query<PrivateAiKeyRow>(db, `${SELECT} WHERE region_id = $1 AND status = ANY($2::text[]) ORDER BY created_at`, [regionId, statuses]);
  }

  /** Every database name the region's keys claim, deleted ones included. */
  async claimedNames(regionId: string, db: Reader = this.dataSource): Promise<Map<string, PrivateAiKeyStatus>> {
    const rows = await query<{ database_name: string; status: PrivateAiKeyStatus }>(db, 'SELECT database_name, status FROM private_ai_keys WHERE region_id = $1', [regionId]);
    return new Map(rows.map((row) => [row.database_name, row.status]));
  }

  async regionsInUse(db: Reader = this.dataSource): Promise<string[]> {
    const rows = await query<{ region_id: string }>(db, "SELECT DISTINCT region_id FROM private_ai_keys WHERE status <> 'deleted'");
    return rows.map((row) => row.region_id);
  }

  async setStatus(tx: Transaction, id: string, status: PrivateAiKeyStatus): Promise<PrivateAiKeyRow> {
    await query(tx, 'UPDATE private_ai_keys SET status = $2, updated_at = now(), deleted_at = CASE WHEN $3 THEN now() ELSE deleted_at END WHERE id = $1', [id, status, status === 'deleted']);
    return (await this.findById(id, tx)) as PrivateAiKeyRow;
  }

  async setPassword(tx: Transaction, id: string, passwordSealed: string): Promise<PrivateAiKeyRow> {
    await query(tx, 'UPDATE private_ai_keys SET password_sealed = $2, updated_at = now() WHERE id = $1', [id, passwordSealed]);
    return (await this.findById(id, tx)) as PrivateAiKeyRow;
  }

  async recordStorage(id: string, bytes: number, db: Reader = this.dataSource): Promise<void> {
    await query(db, 'UPDATE private_ai_keys SET storage_bytes = $2, storage_measured_at = now() WHERE id = $1', [id, bytes]);
  }

  /** The tenant's measured private database storage: the one place usage and threshold alerts read it from. */
  async tenantStorage(tenantId: string, db: Reader = this.dataSource): Promise<{ databases: number; bytes: number; measured_at: Date | null }> {
    const row = await queryOne<{ databases: number; bytes: number; measured_at: Date | null }>(
      db,
      `SELECT count(*)::int AS databases, coalesce(sum(storage_bytes), 0)::float8 AS bytes, min(storage_measured_at) AS measured_at
       FROM private_ai_keys WHERE tenant_id = $1 AND status = 'ready'`,
      [tenantId],
    );
    return row ?? { databases: 0, bytes: 0, measured_at: null };
  }
}
