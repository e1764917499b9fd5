import type { DataSource } from 'typeorm';
import { query, queryOne, type Reader } from '../sql';
import type { Transaction } from '../unit-of-work';

export interface RegionRow {
  id: string;
  name: string;
  description: string;
  is_active: boolean;
  /** The PostgreSQL server private AI keys of this region get their databases on; null: LLM-only keys. */
  database_host: string | null;
  database_port: number | null;
  created_at: Date;
  updated_at: Date;
}

export type RegionFields = Pick<RegionRow, 'id' | 'name' | 'description' | 'is_active'>;

/** Where a region's private databases are made: the host and port clients see, and the admin URL sealed with SECRETS_KEY. */
export interface RegionDatabase {
  host: string;
  port: number;
  adminUrlSealed: string;
}

// The sealed admin URL is read only through `database`, never with the row.
const SELECT = 'SELECT id, name, description, is_active, database_host, database_port, created_at, updated_at FROM regions';

/** Regions deployments run in, named by a slug such as `us-east`. */
export class RegionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  all(db: Reader = this.dataSource): Promise<RegionRow[]> {
    return query<RegionRow>(db, `${SELECT} ORDER BY id`);
  }

  findById(id: string, db: Reader = this.dataSource): Promise<RegionRow | null> {
    return queryOne<RegionRow>(db, `${SELECT} WHERE id = $1`, [id]);
  }

  async upsert(tx: Transaction, region: RegionFields): Promise<RegionRow> {
    await query(
      tx,
      `INSERT INTO regions (id, name, description, is_active) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description, is_active = EXCLUDED.is_active, updated_at = now()`,
      [region.id, region.name, region.description, region.is_active],
    );
    return (await this.findById(region.id, tx)) as RegionRow;
  }

  async database(id: string, db: Reader = this.dataSource): Promise<RegionDatabase | null> {
    const row = await queryOne<{ database_host: string | null; database_port: number | null; database_admin_url_sealed: string | null }>(
      db,
      'SELECT database_host, database_port, database_admin_url_sealed FROM regions WHERE id = $1',
      [id],
    );
    if (!row?.database_host || !row.database_port || !row.database_admin_url_sealed) return null;
    return { host: row.database_host, port: row.database_port, adminUrlSealed: row.database_admin_url_sealed };
  }

  /** Sets (or, with null, removes) the region's database server. */
  async setDatabase(tx: Transaction, id: string, database: RegionDatabase | null): Promise<void> {
    await query(tx, 'UPDATE regions SET database_host = $2, database_port = $3, database_admin_url_sealed = $4, updated_at = now() WHERE id = $1', [
      id,
      database?.host ?? null,
      database?.port ?? null,
      database?.adminUrlSealed ?? null,
    ]);
  }

  /** Private AI keys whose databases are (or are still being dropped) on the region's server. */
  async privateDatabaseCount(id: string, db: Reader = this.dataSource): Promise<number> {
    const row = await queryOne<{ count: number }>(db, "SELECT count(*)::int AS count FROM private_ai_keys WHERE region_id = $1 AND status <> 'deleted'", [id]);
    return row?.count ?? 0;
  }

  async delete(tx: Transaction, id: string): Promise<void> {
    await query(tx, 'DELETE FROM regions WHERE id = $1', [id]);
  }
}
