import type { ModelFields, ModelRow, RegionRow } from '@sluice/control-plane/data-access';
import type { CreateModelDto, DeploymentDto } from './dto/catalog.dto';

export type ModelView = ModelFields & { created_at: string; updated_at: string };

export interface RegionView {
  id: string;
  name: string;
  description: string;
  is_active: boolean;
  /** The server private AI keys of the region get their databases on (its admin URL is never shown); null: LLM-only keys. */
  database: RegionDatabaseView | null;
  created_at: string;
  updated_at: string;
}

export interface RegionDatabaseView {
  host: string;
  port: number;
}

export function modelView(row: ModelRow): ModelView {
  return {
    id: row.id,
    aliases: row.aliases,
    provider: row.provider,
    deployments: row.deployments,
    fallbacks: row.fallbacks,
    pricing: row.pricing,
    context_window: row.context_window,
    max_output_tokens: row.max_output_tokens,
    capabilities: row.capabilities,
    sandbox: row.sandbox,
    enabled: row.enabled,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export function regionView(row: RegionRow): RegionView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    is_active: row.is_active,
    database: row.database_host && row.database_port ? { host: row.database_host, port: row.database_port } : null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** A validated create DTO (or catalog file entry) as the row to store, with the defaults filled in. */
export function modelFields(dto: CreateModelDto): ModelFields {
  return {
    id: dto.id,
    aliases: dto.aliases ?? [],
    provider: dto.provider,
    deployments: dto.deployments.map(deploymentFields),
    fallbacks: dto.fallbacks ?? [],
    pricing: { input_per_mtok_usd: dto.pricing.input_per_mtok_usd, output_per_mtok_usd: dto.pricing.output_per_mtok_usd },
    context_window: dto.context_window,
    max_output_tokens: dto.max_output_tokens,
    capabilities: dto.capabilities ?? [],
    sandbox: dto.sandbox ?? false,
    enabled: dto.enabled ?? true,
  };
}

export function deploymentFields(dto: DeploymentDto): ModelFields['deployments'][number] {
  return {
    ...(dto.id ? { id: dto.id } : {}),
    provider: dto.provider,
    base_url: dto.base_url,
    upstream_model: dto.upstream_model,
    credential_env: dto.credential_env ?? null,
    weight: dto.weight ?? 1,
    region: dto.region ?? null,
    timeout_ms: dto.timeout_ms ?? 60_000,
  };
}
