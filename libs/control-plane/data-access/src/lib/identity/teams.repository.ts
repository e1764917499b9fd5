import type { DataSource } from 'typeorm';
import { likePattern, listSlice, orderBy, query, queryOne, type ListWindow, type Reader, type Slice } from '../sql';
import type { Transaction } from '../unit-of-work';

export interface TeamRow {
  id: string;
  tenant_id: string;
  name: string;
  description: string;
  limits: Record<string, number | string | null>;
  created_at: Date;
  updated_at: Date;
  member_count: number;
}

const COLUMNS = 't.*, (SELECT count(*)::int FROM tenant_users m WHERE m.team_id = t.id) AS member_count';

export class TeamsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(tx: Transaction, tenantId: string, team: { name: string; description?: string; limits?: TeamRow['limits'] }): Promise<TeamRow> {
    const row = await queryOne<{ id: string }>(
      tx,
      'INSERT INTO teams (tenant_id, name, description, limits) VALUES ($1, $2, $3, $4) RETURNING id',
      [tenantId, team.name, team.description ?? '', JSON.stringify(team.limits ?? {})],
    );
    return (await this.findById(tenantId, (row as { id: string }).id, tx)) as TeamRow;
  }

  /** The tenant a team id belongs to, for routes that name only the id; authorise before anything else. */
  async tenantOf(id: string): Promise<string | null> {
    return (await queryOne<{ tenant_id: string }>(this.dataSource, 'SELECT tenant_id FROM teams WHERE id = $1', [id]))?.tenant_id ?? null;
  }

  findById(tenantId: string, id: string, db: Reader = this.dataSource): Promise<TeamRow | null> {
    return queryOne<TeamRow>(db, `SELECT ${COLUMNS} FROM teams t WHERE t.tenant_id = $1 AND t.id = $2`, [tenantId, id]);
  }

  list(tenantIds: string[] | null, search: string | undefined, window: ListWindow): Promise<Slice<TeamRow>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (tenantIds) {
      params.push(tenantIds);
      where.push(`t.tenant_id = ANY($${params.length}::uuid[])`);
    }
    if (search) {
      params.push(likePattern(search));
      where.push(`(t.name ILIKE $${params.length} OR t.description ILIKE $${params.length})`);
    }
    return listSlice(this.dataSource, 'teams t', where, params, window, orderBy(window.ordering, ['name', 'created_at'], 'name'), COLUMNS);
  }

  async update(tx: Transaction, tenantId: string, id: string, changes: Partial<Pick<TeamRow, 'name' | 'description' | 'limits'>>): Promise<TeamRow> {
    const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
    if (entries.length > 0) {
      const sets = entries.map(([column], i) => `${column} = $${i + 3}`);
      await query(tx, `UPDATE teams SET ${sets.join(', ')}, updated_at = now() WHERE tenant_id = $1 AND id = $2`, [
        tenantId,
        id,
        ...entries.map(([column, value]) => (column === 'limits' ? JSON.stringify(value) : value)),
      ]);
    }
    return (await this.findById(tenantId, id, tx)) as TeamRow;
  }

  async delete(tx: Transaction, tenantId: string, id: string): Promise<void> {
    await query(tx, 'DELETE FROM teams WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  }
}
