import type { DataSource } from 'typeorm';
import { query, queryOne, type Reader } from '../sql';
import type { Transaction } from '../unit-of-work';

export type ModelProvider = 'openai' | 'anthropic' | 'openai-compatible' | 'mock';

export interface ModelDeployment {
  id?: string;
  provider: ModelProvider;
  base_url: string;
  upstream_model: string;
  credential_env: string | null;
  weight: number;
  region: string | null;
  timeout_ms: number;
}

export interface ModelPricing {
  input_per_mtok_usd: number;
  output_per_mtok_usd: number;
}

export interface ModelRow {
  id: string;
  aliases: string[];
  provider: ModelProvider;
  deployments: ModelDeployment[];
  fallbacks: string[];
  pricing: ModelPricing;
  context_window: number;
  max_output_tokens: number;
  capabilities: string[];
  sandbox: boolean;
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
}

export type ModelFields = Omit<ModelRow, 'created_at' | 'updated_at'>;

/** The model catalog: platform-wide, not tenant-owned. */
export class ModelsRepository {
  constructor(private readonly dataSource: DataSource) {}

  all(db: Reader = this.dataSource): Promise<ModelRow[]> {
    return query<ModelRow>(db, 'SELECT * FROM models ORDER BY id');
  }

  findById(id: string, db: Reader = this.dataSource): Promise<ModelRow | null> {
    return queryOne<ModelRow>(db, 'SELECT * FROM models WHERE id = $1', [id]);
  }

  /** Serialises catalog edits, whose validation reads the whole catalog (fallback cycles). */
  async lockCatalog(tx: Transaction): Promise<void> {
    await query(tx, `SELECT pg_advisory_xact_lock(hashtext('sluice.models'))`);
  }

  async upsert(tx: Transaction, model: ModelFields): Promise<ModelRow> {
    await query(
      tx,
      `INSERT INTO models (id, aliases, provider, deployments, fallbacks, pricing, context_window, max_output_tokens, capabilities, sandbox, enabled)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (id) DO UPDATE SET aliases = EXCLUDED.aliases, provider = EXCLUDED.provider, deployments = EXCLUDED.deployments,
         fallbacks = EXCLUDED.fallbacks, pricing = EXCLUDED.pricing, context_window = EXCLUDED.context_window,
         max_output_tokens = EXCLUDED.max_output_tokens, capabilities = EXCLUDED.capabilities, sandbox = EXCLUDED.sandbox,
         enabled = EXCLUDED.enabled, updated_at = now()`,
      [
        model.id,
        model.aliases,
        model.provider,
        JSON.stringify(model.deployments),
        model.fallbacks,
        JSON.stringify(model.pricing),
        model.context_window,
        model.max_output_tokens,
        model.capabilities,
        model.sandbox,
        model.enabled,
      ],
    );
    return (await this.findById(model.id, tx)) as ModelRow;
  }

  async delete(tx: Transaction, id: string): Promise<void> {
    await query(tx, 'DELETE FROM models WHERE id = $1', [id]);
  }
}
