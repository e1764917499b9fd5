import type { DataSource } from 'typeorm';
import { likePattern, listSlice, orderBy, query, queryOne, type ListWindow, type Reader, type Slice } from '../sql';
import type { Transaction } from '../unit-of-work';

export type ApiKeyEnvironment = 'live' | 'test' | 'staging' | 'development';
export type ApiKeyStatus = 'active' | 'revoked';
/** `expired` is derived: an active key whose `expires_at` has passed. */
export type ApiKeyListStatus = ApiKeyStatus | 'expired';

export interface ApiKeyLimits {
  rpm?: number;
  rph?: number;
  rpd?: number;
  tpm?: number;
  tph?: number;
  tpd?: number;
  max_concurrency?: number;
  budget_usd?: number;
  budget_period?: 'day' | 'month' | 'total';
}

export interface ApiKeyRow {
  id: string;
  tenant_id: string;
  team_id: string | null;
  created_by: string | null;
  name: string;
  key_hash: string;
  prefix: string;
  last4: string;
  environment: ApiKeyEnvironment;
  scopes: string[];
  status: ApiKeyStatus;
  expires_at: Date | null;
  allowed_models: string[] | null;
  allowed_ips: string[] | null;
  allowed_regions: string[] | null;
  /** Host patterns the request's Origin (else Referer) must match; null = any. */
  allowed_origins: string[] | null;
  allow_no_origin: boolean;
  limits: ApiKeyLimits;
  last_used_at: Date | null;
  revoked_at: Date | null;
  /** The secret a rotation replaced, valid until `previous_key_expires_at`. */
  previous_key_hash: string | null;
  previous_key_expires_at: Date | null;
  rotated_at: Date | null;
  /** Deleted: revoked and hidden from lists; the row stays for the usage and audit that name it. */
  deleted_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface NewApiKey {
  teamId: string | null;
  createdBy: string | null;
  name: string;
  keyHash: string;
  prefix: string;
  last4: string;
  environment: ApiKeyEnvironment;
  scopes: string[];
  expiresAt: Date | null;
  allowedModels: string[] | null;
  allowedIps: string[] | null;
  allowedRegions: string[] | null;
  allowedOrigins: string[] | null;
  allowNoOrigin: boolean;
  limits: ApiKeyLimits;
}

export type ApiKeyChanges = Partial<
  Pick<
    ApiKeyRow,
    | 'name'
    | 'team_id'
    | 'scopes'
    | 'expires_at'
    | 'allowed_models'
    | 'allowed_ips'
    | 'allowed_regions'
    | 'allowed_origins'
    | 'allow_no_origin'
    | 'limits'
    | 'status'
    | 'revoked_at'
    | 'key_hash'
    | 'prefix'
    | 'last4'
    | 'previous_key_hash'
    | 'previous_key_expires_at'
    | 'rotated_at'
    | 'deleted_at'
  >
>;

export interface ApiKeyFilters {
  status?: ApiKeyListStatus;
  environment?: ApiKeyEnvironment;
  search?: string;
}

export const API_KEY_ORDERING = ['name', 'created_at', 'expires_at', 'last_used_at'] as const;

/** Columns stored as jsonb, sent as JSON text. */
const JSON_COLUMNS = new Set(['limits']);

export class ApiKeysRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(tx: Transaction, tenantId: string, key: NewApiKey): Promise<ApiKeyRow> {
    const row = await queryOne<{ id: string }>(
      tx,
      `INSERT INTO api_keys (tenant_id, team_id, created_by, name, key_hash, prefix, last4, environment, scopes, expires_at,
         allowed_models, allowed_ips, allowed_regions, limits, allowed_origins, allow_no_origin)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id`,
      [
        tenantId,
        key.teamId,
        key.createdBy,
        key.name,
        key.keyHash,
        key.prefix,
        key.last4,
        key.environment,
        key.scopes,
        key.expiresAt,
        key.allowedModels,
        key.allowedIps,
        key.allowedRegions,
        JSON.stringify(key.limits),
        key.allowedOrigins,
        key.allowNoOrigin,
      ],
    );
    return (await this.findById(tenantId, (row as { id: string }).id, tx)) as ApiKeyRow;
  }

  /** The tenant a key id belongs to, for routes that name only the id; authorise before anything else. */
  async tenantOf(id: string): Promise<string | null> {
    return (await queryOne<{ tenant_id: string }>(this.dataSource, 'SELECT tenant_id FROM api_keys WHERE id = $1', [id]))?.tenant_id ?? null;
  }

  /** The keys of one team (their projection records carry the team's limits). */
  ofTeam(tenantId: string, teamId: string, db: Reader = this.dataSource): Promise<ApiKeyRow[]> {
    return query<ApiKeyRow>(db, 'SELECT * FROM api_keys WHERE tenant_id = $1 AND team_id = $2', [tenantId, teamId]);
  }

  findById(tenantId: string, id: string, db: Reader = this.dataSource): Promise<ApiKeyRow | null> {
    return queryOne<ApiKeyRow>(db, 'SELECT * FROM api_keys WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  }

  /** The keys of these (tenant, key) pairs that exist, in one query: a key named under another tenant's id is not among them. */
  findByTenantAndIds(pairs: ReadonlyArray<{ tenantId: string; id: string }>, db: Reader = this.dataSource): Promise<ApiKeyRow[]> {
    return query<ApiKeyRow>(db, 'SELECT k.* FROM api_keys k JOIN unnest($1::uuid[], $2::uuid[]) AS p(tenant_id, id) ON k.tenant_id = p.tenant_id AND k.id = p.id', [
      pairs.map((pair) => pair.tenantId),
      pairs.map((pair) => pair.id),
    ]);
  }

  /** Locks the key's row until the transaction ends (rotation and revocation must not interleave). */
  lock(tx: Transaction, tenantId: string, id: string): Promise<ApiKeyRow | null> {
    return queryOne<ApiKeyRow>(tx, 'SELECT * FROM api_keys WHERE tenant_id = $1 AND id = $2 FOR UPDATE', [tenantId, id]);
  }

  /** The unrevoked keys a user created (in one tenant, or in all), locked until the transaction ends. */
  lockActiveOfCreator(tx: Transaction, userId: string, tenantId: string | null): Promise<ApiKeyRow[]> {
    return tenantId
      ? query<ApiKeyRow>(tx, `SELECT * FROM api_keys WHERE tenant_id = $1 AND created_by = $2 AND status = 'active' ORDER BY id FOR UPDATE`, [tenantId, userId])
      : query<ApiKeyRow>(tx, `SELECT * FROM api_keys WHERE created_by = $1 AND status = 'active' ORDER BY id FOR UPDATE`, [userId]);
  }

  /**
   * The users with an unrevoked key above their current role in the key's
   * tenant: inactive, no membership there (platform admins need none), or
   * scopes beyond what `allowedScopes` (scopes by role) gives their role.
   * Service keys (no creator) are never candidates.
   */
  async creatorsAboveRole(allowedScopes: Record<string, readonly string[]>, db: Reader = this.dataSource): Promise<string[]> {
    const rows = await query<{ user_id: string }>(
      db,
      `SELECT DISTINCT k.created_by AS user_id
         FROM api_keys k
         JOIN users u ON u.id = k.created_by
         LEFT JOIN tenant_users m ON m.tenant_id = k.tenant_id AND m.user_id = k.created_by
        WHERE k.status = 'active'
          AND (NOT u.is_active
               OR (NOT u.is_platform_admin
                   AND (m.id IS NULL OR NOT k.scopes <@ ARRAY(SELECT jsonb_array_elements_text($1::jsonb -> m.role)))))
        ORDER BY 1`,
      [JSON.stringify(allowedScopes)],
    );
    return rows.map((row) => row.user_id);
  }

  /** Every key of a tenant that is neither revoked nor expired, for bulk rotation. */
  usable(tenantId: string): Promise<ApiKeyRow[]> {
    return query<ApiKeyRow>(
      this.dataSource,
      `SELECT * FROM api_keys WHERE tenant_id = $1 AND status = 'active' AND (expires_at IS NULL OR expires_at > now()) ORDER BY created_at, id`,
      [tenantId],
    );
  }

  /** Keys that count against `max_keys`: not revoked and not expired. */
  async countUsable(tenantId: string, db: Reader = this.dataSource): Promise<number> {
    const row = await queryOne<{ count: number }>(
      db,
      `SELECT count(*)::int AS count FROM api_keys WHERE tenant_id = $1 AND status = 'active' AND (expires_at IS NULL OR expires_at > now())`,
      [tenantId],
    );
    return row?.count ?? 0;
  }

  /** Usable keys of one owner in the tenant; `null` counts service keys (owned by no user). */
  async countUsableOwnedBy(tenantId: string, ownerUserId: string | null, db: Reader = this.dataSource): Promise<number> {
    const row = await queryOne<{ count: number }>(
      db,
      `SELECT count(*)::int AS count FROM api_keys WHERE tenant_id = $1 AND created_by IS NOT DISTINCT FROM $2::uuid AND status = 'active' AND (expires_at IS NULL OR expires_at > now())`,
      [tenantId, ownerUserId],
    );
    return row?.count ?? 0;
  }

  /** Deleted keys are never listed. */
  list(tenantIds: string[] | null, filters: ApiKeyFilters, window: ListWindow): Promise<Slice<ApiKeyRow>> {
    const where: string[] = ['deleted_at IS NULL'];
    const params: unknown[] = [];
    if (tenantIds) {
      params.push(tenantIds);
      where.push(`tenant_id = ANY($${params.length}::uuid[])`);
    }
    if (filters.status === 'revoked') where.push(`status = 'revoked'`);
    if (filters.status === 'active') where.push(`status = 'active' AND (expires_at IS NULL OR expires_at > now())`);
    if (filters.status === 'expired') where.push(`status = 'active' AND expires_at <= now()`);
    if (filters.environment) {
      params.push(filters.environment);
      where.push(`environment = $${params.length}`);
    }
    if (filters.search) {
      params.push(likePattern(filters.search));
      const n = params.length;
      where.push(`(name ILIKE $${n} OR prefix ILIKE $${n} OR last4 ILIKE $${n})`);
    }
    return listSlice(this.dataSource, 'api_keys', where, params, window, orderBy(window.ordering, API_KEY_ORDERING, '-created_at'));
  }

  async update(tx: Transaction, tenantId: string, id: string, changes: ApiKeyChanges): Promise<ApiKeyRow> {
    const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
    if (entries.length > 0) {
      const sets = entries.map(([column], i) => `${column} = $${i + 3}`);
      await query(tx, `UPDATE api_keys SET ${sets.join(', ')}, updated_at = now() WHERE tenant_id = $1 AND id = $2`, [
        tenantId,
        id,
        ...entries.map(([column, value]) => (JSON_COLUMNS.has(column) ? JSON.stringify(value) : value)),
      ]);
    }
    return (await this.findById(tenantId, id, tx)) as ApiKeyRow;
  }

  /**
   * The key whose current or previous (rotated-out) secret has this hash. Not
   * tenant-scoped: the projection is addressed by hash alone.
   */
  findByAnyHash(keyHash: string, db: Reader = this.dataSource): Promise<ApiKeyRow | null> {
    return queryOne<ApiKeyRow>(db, 'SELECT * FROM api_keys WHERE key_hash = $1 OR previous_key_hash = $1', [keyHash]);
  }

  /** Every key, in pages by id, for the projection's full rebuild. */
  pageAll(afterId: string | null, limit: number, db: Reader = this.dataSource): Promise<ApiKeyRow[]> {
    return afterId
      ? query<ApiKeyRow>(db, 'SELECT * FROM api_keys WHERE id > $1 ORDER BY id LIMIT $2', [afterId, limit])
      : query<ApiKeyRow>(db, 'SELECT * FROM api_keys ORDER BY id LIMIT $1', [limit]);
  }
}
