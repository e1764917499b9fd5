import { listSlice, orderBy, query, queryOne, type ListWindow, type Reader, type Slice, type Transaction } from '@sluice/control-plane/data-access';
import type { DataSource } from 'typeorm';

export type AuthType = 'none' | 'api_key' | 'bearer' | 'oauth2' | 'basic' | 'hmac';
export const AUTH_TYPES: readonly AuthType[] = ['none', 'api_key', 'bearer', 'oauth2', 'basic', 'hmac'];

export interface ProviderRow {
  id: string;
  tenant_id: string;
  name: string;
  webhook_url: string | null;
  api_base_url: string | null;
  auth_type: AuthType;
  secret_sealed: string | null;
  is_active: boolean;
  map_users: boolean;
  allowed_ips: string[];
  rate_limit_per_minute: number | null;
  created_at: Date;
  updated_at: Date;
}

export type ProviderFields = Pick<ProviderRow, 'name' | 'webhook_url' | 'api_base_url' | 'auth_type' | 'is_active' | 'map_users' | 'allowed_ips' | 'rate_limit_per_minute'>;

export type HealthStatus = 'healthy' | 'degraded' | 'down';

export interface HealthRow {
  provider_id: string;
  tenant_id: string;
  name: string;
  status: HealthStatus;
  response_time_ms: number | null;
  error_message: string;
  last_check: Date;
}

const COLUMNS = ['name', 'webhook_url', 'api_base_url', 'auth_type', 'is_active', 'map_users', 'allowed_ips', 'rate_limit_per_minute'] as const;

/** A tenant's integration providers and their last health probe. */
export class ProvidersRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(tx: Transaction, tenantId: string, fields: ProviderFields): Promise<ProviderRow> {
    const values = COLUMNS.map((column) => fields[column]);
    const row = await queryOne<ProviderRow>(
      tx,
      `INSERT INTO integration_providers (tenant_id, ${COLUMNS.join(', ')}) VALUES ($1, ${COLUMNS.map((_, i) => `$${i + 2}`).join(', ')}) RETURNING *`,
      [tenantId, ...values],
    );
    return row as ProviderRow;
  }

  async update(tx: Transaction, tenantId: string, id: string, changes: Partial<ProviderFields>): Promise<ProviderRow> {
    const entries = Object.entries(changes).filter(([column, value]) => value !== undefined && (COLUMNS as readonly string[]).includes(column));
    const sets = entries.map(([column], i) => `${column} = $${i + 3}`);
    const row = await queryOne<ProviderRow>(
      tx,
      `UPDATE integration_providers SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE tenant_id = $1 AND id = $2 RETURNING *`,
      [tenantId, id, ...entries.map(([, value]) => value)],
    );
    return row as ProviderRow;
  }

  async setSecret(tx: Transaction, tenantId: string, id: string, sealed: string | null): Promise<void> {
    await query(tx, 'UPDATE integration_providers SET secret_sealed = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2', [tenantId, id, sealed]);
  }

  async delete(tx: Transaction, tenantId: string, id: string): Promise<void> {
    await query(tx, 'DELETE FROM integration_providers WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  }

  /** The tenant owning a provider id (null: no such provider), for the access check before the tenant-scoped read. */
  async tenantOf(id: string): Promise<string | null> {
    return (await queryOne<{ tenant_id: string }>(this.dataSource, 'SELECT tenant_id FROM integration_providers WHERE id = $1', [id]))?.tenant_id ?? null;
  }

  findById(tenantId: string, id: string, db: Reader = this.dataSource): Promise<ProviderRow | null> {
    return queryOne<ProviderRow>(db, 'SELECT * FROM integration_providers WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  }

  findByName(tenantId: string, name: string, db: Reader = this.dataSource): Promise<ProviderRow | null> {
    return queryOne<ProviderRow>(db, 'SELECT * FROM integration_providers WHERE tenant_id = $1 AND name = $2', [tenantId, name]);
  }

  /** Every tenant's provider of this name (at most two are read: more than one already means the sender must name its tenant). */
  withName(name: string): Promise<ProviderRow[]> {
    return query<ProviderRow>(this.dataSource, 'SELECT * FROM integration_providers WHERE name = $1 ORDER BY created_at LIMIT 2', [name]);
  }

  list(tenantIds: string[] | null, window: ListWindow): Promise<Slice<ProviderRow>> {
    const where = tenantIds === null ? [] : ['tenant_id = ANY($1)'];
    return listSlice<ProviderRow>(this.dataSource, 'integration_providers', where, tenantIds === null ? [] : [tenantIds], window, orderBy(window.ordering, ['name', 'created_at'], 'created_at'));
  }

  /** Active providers with an API base URL, across tenants: what the health probe visits. */
  probeTargets(): Promise<ProviderRow[]> {
    return query<ProviderRow>(this.dataSource, `SELECT * FROM integration_providers WHERE is_active AND api_base_url IS NOT NULL ORDER BY id`);
  }

  async recordHealth(row: Omit<HealthRow, 'name'>): Promise<void> {
    await query(
      this.dataSource,
      `INSERT INTO integration_health (provider_id, tenant_id, status, response_time_ms, error_message, last_check)
       SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM integration_providers WHERE id = $1)
       ON CONFLICT (provider_id) DO UPDATE SET status = EXCLUDED.status, response_time_ms = EXCLUDED.response_time_ms,
         error_message = EXCLUDED.error_message, last_check = EXCLUDED.last_check`,
      [row.provider_id, row.tenant_id, row.status, row.response_time_ms, row.error_message, row.last_check],
    );
  }

  /** The last probe of each active provider of these tenants (null: all). */
  health(tenantIds: string[] | null): Promise<HealthRow[]> {
    return query<HealthRow>(
      this.dataSource,
      `SELECT h.*, p.name FROM integration_health h JOIN integration_providers p ON p.id = h.provider_id
       WHERE p.is_active AND ($1::uuid[] IS NULL OR p.tenant_id = ANY($1)) ORDER BY p.name, p.id`,
      [tenantIds],
    );
  }
}
