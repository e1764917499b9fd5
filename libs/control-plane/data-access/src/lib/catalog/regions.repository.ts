import type { DataSource } from 'typeorm';
import { query, queryOne, type Reader } from '../sql';
import type { Transaction } from '../unit-of-work';

export interface RegionRow {
  id: string;
  name: string;
  description: string;
  is_active: boolean;
  created_at: Date;
  updated_at: Date;
}

export type RegionFields = Pick<RegionRow, 'id' | 'name' | 'description' | 'is_active'>;

/** Regions deployments run in, named by a slug such as `us-east`. */
export class RegionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  all(db: Reader = this.dataSource): Promise<RegionRow[]> {
    return query<RegionRow>(db, 'SELECT * FROM regions ORDER BY id');
  }

  findById(id: string, db: Reader = this.dataSource): Promise<RegionRow | null> {
    return queryOne<RegionRow>(db, 'SELECT * FROM regions WHERE id = $1', [id]);
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

  async delete(tx: Transaction, id: string): Promise<void> {
    await query(tx, 'DELETE FROM regions WHERE id = $1', [id]);
  }
}
