import type { ApiKeyLimits, ApiKeyRow } from '@sluice/control-plane/data-access';

/** A key's metadata: never its secret or hashes. */
export interface ApiKeyView {
  id: string;
  tenant: string;
  team: string | null;
  name: string;
  prefix: string;
  last4: string;
  environment: ApiKeyRow['environment'];
  scopes: string[];
  status: 'active' | 'revoked' | 'expired';
  expires_at: string | null;
  allowed_models: string[] | null;
  allowed_ips: string[] | null;
  allowed_regions: string[] | null;
  allowed_origins: string[] | null;
  allow_no_origin: boolean;
  limits: ApiKeyLimits;
  created_by: string | null;
  /** No user owns it (`created_by` is null): it acts by its scopes alone. */
  service: boolean;
  last_used_at: string | null;
  revoked_at: string | null;
  rotated_at: string | null;
  /** Until when the secret replaced by the last rotation still works; null when it no longer does. */
  rotation_grace_ends_at: string | null;
  created_at: string;
  updated_at: string;
}

/** Returned by create and rotate only: the one time the secret is shown. */
export interface ApiKeyWithSecretView extends ApiKeyView {
  key: string;
  /** Created with `vector_db: true`: the key's own database, its password shown this once (docs/private-ai-keys.md). */
  vector_db?: VectorDatabaseView;
}

export interface VectorDatabaseView {
  database_name: string;
  database_host: string;
  database_port: number;
  database_username: string;
  database_password: string;
  vector_enabled: boolean;
}

export function apiKeyStatus(row: ApiKeyRow, now = Date.now()): ApiKeyView['status'] {
  if (row.status === 'revoked') return 'revoked';
  return row.expires_at && row.expires_at.getTime() <= now ? 'expired' : 'active';
}

export function apiKeyView(row: ApiKeyRow, now = Date.now()): ApiKeyView {
  const graceEnd = row.previous_key_hash && row.status === 'active' && row.previous_key_expires_at && row.previous_key_expires_at.getTime() > now ? row.previous_key_expires_at : null;
  return {
    id: row.id,
    tenant: row.tenant_id,
    team: row.team_id,
    name: row.name,
    prefix: row.prefix,
    last4: row.last4,
    environment: row.environment,
    scopes: row.scopes,
    status: apiKeyStatus(row, now),
    expires_at: row.expires_at?.toISOString() ?? null,
    allowed_models: row.allowed_models,
    allowed_ips: row.allowed_ips,
    allowed_regions: row.allowed_regions,
    allowed_origins: row.allowed_origins,
    allow_no_origin: row.allow_no_origin,
    limits: row.limits,
    created_by: row.created_by,
    service: row.created_by === null,
    last_used_at: row.last_used_at?.toISOString() ?? null,
    revoked_at: row.revoked_at?.toISOString() ?? null,
    rotated_at: row.rotated_at?.toISOString() ?? null,
    rotation_grace_ends_at: graceEnd?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
