import type { ApiKeyRow } from '@sluice/control-plane/data-access';
import { apiKeyStatus } from '../api-keys/api-key-view';
import type { PrivateAiKeyRow } from './private-ai-keys.repository';

/** A private AI key without its secrets: the LLM key's metadata and its database's whereabouts and size. */
export interface PrivateAiKeyView {
  id: string;
  name: string;
  tenant: string;
  owner_id: string | null;
  team_id: string | null;
  region_id: string;
  database_name: string;
  database_host: string;
  database_port: number;
  database_username: string;
  /** Whether `CREATE EXTENSION vector` ran in the database. */
  vector_enabled: boolean;
  /** `deleting` until the database and role are dropped. */
  status: 'ready' | 'deleting';
  /** Bytes on disk at the last measurement (null: not measured yet). */
  storage_bytes: number | null;
  storage_measured_at: string | null;
  litellm_api_url: string;
  /** First characters of the LLM key, to recognise it. */
  litellm_token_prefix: string;
  key_status: 'active' | 'revoked' | 'expired';
  created_at: string;
}

/** Answered by create only: the one time the key and the database password are shown. */
export interface PrivateAiKeyWithSecretsView extends PrivateAiKeyView {
  database_password: string;
  litellm_token: string;
}

export function privateAiKeyView(row: PrivateAiKeyRow, key: ApiKeyRow, gatewayUrl: string): PrivateAiKeyView {
  return {
    id: row.id,
    name: key.name,
    tenant: row.tenant_id,
    owner_id: key.created_by,
    team_id: key.team_id,
    region_id: row.region_id,
    database_name: row.database_name,
    database_host: row.database_host,
    database_port: row.database_port,
    database_username: row.database_username,
    vector_enabled: row.vector_enabled,
    status: row.status === 'ready' ? 'ready' : 'deleting',
    storage_bytes: row.storage_bytes,
    storage_measured_at: row.storage_measured_at?.toISOString() ?? null,
    litellm_api_url: gatewayUrl,
    litellm_token_prefix: key.prefix,
    key_status: apiKeyStatus(key),
    created_at: row.created_at.toISOString(),
  };
}

/** An LLM-only key, as `POST /api/private-ai-keys/token/` answers it. */
export interface LlmTokenView {
  id: string;
  name: string;
  region_id: string;
  litellm_token: string;
  litellm_api_url: string;
  created_at: string;
}

export interface DatabasePasswordView {
  id: string;
  database_username: string;
  database_password: string;
}

export interface PrivateStorageView {
  tenant: string;
  /** Private databases counted (ready keys). */
  databases: number;
  bytes: number;
  /** The plan's `vector_db_storage` (such as `10GB`), null: none set. */
  limit: string | null;
  /** The oldest measurement summed; null: nothing measured yet. */
  measured_at: string | null;
}
