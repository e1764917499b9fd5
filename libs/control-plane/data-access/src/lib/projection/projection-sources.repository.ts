import type { DataSource } from 'typeorm';
import type { TenantRow } from '../identity/tenants.repository';
import type { TeamRow } from '../identity/teams.repository';
import { query, type Reader } from '../sql';

/** Bulk reads for the projection's full rebuild: every tenant and team, in pages by id. */
export class ProjectionSourcesRepository {
  constructor(private readonly dataSource: DataSource) {}

  tenantsPage(afterId: string | null, limit: number, db: Reader = this.dataSource): Promise<TenantRow[]> {
    return query<TenantRow>(
      db,
      `SELECT t.*, 0 AS user_count FROM tenants t WHERE ($1::uuid IS NULL OR t.id > $1::uuid) ORDER BY t.id LIMIT $2`,
      [afterId, limit],
    );
  }

  /** Teams by id (the limits every key of a team carries in its record). */
  teams(ids: string[], db: Reader = this.dataSource): Promise<TeamRow[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return query<TeamRow>(db, 'SELECT t.*, 0 AS member_count FROM teams t WHERE t.id = ANY($1::uuid[])', [ids]);
  }
}
