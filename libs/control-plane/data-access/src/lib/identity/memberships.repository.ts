import type { DataSource } from 'typeorm';
import { listSlice, orderBy, query, queryOne, type ListWindow, type Reader, type Slice } from '../sql';
import type { Transaction } from '../unit-of-work';

export type TenantRole = 'owner' | 'admin' | 'member' | 'viewer';

export interface MembershipRow {
  id: string;
  tenant_id: string;
  user_id: string;
  role: TenantRole;
  team_id: string | null;
  created_at: Date;
  updated_at: Date;
  /** Joined from users, for display. */
  email: string;
  first_name: string;
  last_name: string;
}

export interface MembershipFilters {
  role?: TenantRole;
  teamId?: string;
}

const SELECT = `SELECT m.*, u.email, u.first_name, u.last_name FROM tenant_users m JOIN users u ON u.id = m.user_id`;

/** Tenant-owned: every method takes the tenant id first and filters by it (STYLE rule 3). */
export class MembershipsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(tx: Transaction, tenantId: string, userId: string, role: TenantRole): Promise<MembershipRow> {
    const row = await queryOne<{ id: string }>(
      tx,
      'INSERT INTO tenant_users (tenant_id, user_id, role) VALUES ($1, $2, $3) RETURNING id',
      [tenantId, userId, role],
    );
    return (await this.findById(tenantId, (row as { id: string }).id, tx)) as MembershipRow;
  }

  /** The tenant a membership id belongs to, for routes that name only the id; authorise before anything else. */
  async tenantOf(id: string): Promise<string | null> {
    return (await queryOne<{ tenant_id: string }>(this.dataSource, 'SELECT tenant_id FROM tenant_users WHERE id = $1', [id]))?.tenant_id ?? null;
  }

  findById(tenantId: string, id: string, db: Reader = this.dataSource): Promise<MembershipRow | null> {
    return queryOne<MembershipRow>(db, `${SELECT} WHERE m.tenant_id = $1 AND m.id = $2`, [tenantId, id]);
  }

  findByUser(tenantId: string, userId: string, db: Reader = this.dataSource): Promise<MembershipRow | null> {
    return queryOne<MembershipRow>(db, `${SELECT} WHERE m.tenant_id = $1 AND m.user_id = $2`, [tenantId, userId]);
  }

  list(tenantIds: string[] | null, filters: MembershipFilters, window: ListWindow): Promise<Slice<MembershipRow>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (tenantIds) {
      params.push(tenantIds);
      where.push(`m.tenant_id = ANY($${params.length}::uuid[])`);
    }
    if (filters.role) {
      params.push(filters.role);
      where.push(`m.role = $${params.length}`);
    }
    if (filters.teamId) {
      params.push(filters.teamId);
      where.push(`m.team_id = $${params.length}`);
    }
    return listSlice(
      this.dataSource,
      'tenant_users m JOIN users u ON u.id = m.user_id',
      where,
      params,
      window,
      orderBy(window.ordering, ['created_at', 'role', 'email'], 'created_at').replace(', id ASC', ', m.id ASC'),
      'm.*, u.email, u.first_name, u.last_name',
    );
  }

  async update(tx: Transaction, tenantId: string, id: string, changes: { role?: TenantRole; team_id?: string | null }): Promise<MembershipRow> {
    const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
    if (entries.length > 0) {
      const sets = entries.map(([column], i) => `${column} = $${i + 3}`);
      await query(tx, `UPDATE tenant_users SET ${sets.join(', ')}, updated_at = now() WHERE tenant_id = $1 AND id = $2`, [
        tenantId,
        id,
        ...entries.map(([, value]) => value),
      ]);
    }
    return (await this.findById(tenantId, id, tx)) as MembershipRow;
  }

  async delete(tx: Transaction, tenantId: string, id: string): Promise<void> {
    await query(tx, 'DELETE FROM tenant_users WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  }

  async countByRole(tenantId: string, role: TenantRole, db: Reader = this.dataSource): Promise<number> {
    const [{ count }] = await query<{ count: string }>(db, 'SELECT count(*) AS count FROM tenant_users WHERE tenant_id = $1 AND role = $2', [tenantId, role]);
    return Number(count);
  }

  async countMembers(tenantId: string, db: Reader = this.dataSource): Promise<number> {
    const [{ count }] = await query<{ count: string }>(db, 'SELECT count(*) AS count FROM tenant_users WHERE tenant_id = $1', [tenantId]);
    return Number(count);
  }

  /** Every tenant a user belongs to, with the role there: what authorisation checks against. */
  rolesOfUser(userId: string, db: Reader = this.dataSource): Promise<Array<{ id: string; tenant_id: string; role: TenantRole }>> {
    return query(db, 'SELECT id, tenant_id, role FROM tenant_users WHERE user_id = $1 ORDER BY tenant_id', [userId]);
  }
}
