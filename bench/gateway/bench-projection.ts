import { generateApiKey, hashApiKey } from '@sluice/auth';
import type { ApiKeyRecordV1, CatalogRecordV1, ModelRecord, TenantRecordV1 } from '@sluice/contracts';
import { apiKeyRecord, tenantRecord } from '@sluice/testing';
import { writeProjectionRecord } from '@sluice/projection';
import type Redis from 'ioredis';
import { randomUUID } from 'node:crypto';

export const BENCH_MODEL = 'bench-chat';
/** The mock model the bench calls directly and the catalog routes to. */
export const MOCK_MODEL = 'mock-fast';
export const BENCH_CREDENTIAL_ENV = 'SLUICE_BENCH_MOCK_KEY';

/**
 * What the control plane would project for one active tenant and one live key
 * (postpaid, a request limit too high to bind, so admission runs its full
 * script without refusing), and a catalog whose model routes to the mock.
 */
export interface BenchProjection {
  secret: string;
  keyHash: string;
  tenant: TenantRecordV1;
  apiKey: ApiKeyRecordV1;
  model: ModelRecord;
}

/** Writes the records; returns the key's secret and the records (the floor programs hold them in memory). */
export async function writeBenchProjection(redis: Redis, keyPrefix: string, mockUrl: string): Promise<BenchProjection> {
  const tenant = tenantRecord({ slug: `bench-${randomUUID().slice(0, 8)}`, plan: 'bench', limits: { rpm: 1_000_000_000 } });
  const key = apiKeyRecord(tenant.id);
  const model: ModelRecord = {
    id: BENCH_MODEL,
    aliases: [],
    provider: 'mock',
    deployments: [
      {
        id: `${BENCH_MODEL}/0`,
        provider: 'mock',
        base_url: mockUrl,
        upstream_model: MOCK_MODEL,
        credential_env: BENCH_CREDENTIAL_ENV,
        weight: 1,
        region: null,
        timeout_ms: 30_000,
      },
    ],
    fallbacks: [],
    pricing: { input_per_mtok_usd: 1, output_per_mtok_usd: 2 },
    context_window: 8192,
    max_output_tokens: 256,
    capabilities: ['chat', 'streaming'],
    sandbox: false,
    enabled: true,
  };
  const catalog: CatalogRecordV1 = { v: 1, revision: randomUUID(), models: [model] };
  const { secret } = generateApiKey('live');
  await writeProjectionRecord(redis, keyPrefix, { kind: 'tenant', id: tenant.id }, tenant);
  const keyHash = hashApiKey(secret);
  await writeProjectionRecord(redis, keyPrefix, { kind: 'api_key', id: keyHash }, key);
  await writeProjectionRecord(redis, keyPrefix, { kind: 'catalog' }, catalog);
  return { secret, keyHash, tenant, apiKey: key, model };
}
