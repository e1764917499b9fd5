import { generateApiKey, hashApiKey } from '@sluice/auth';
import {
  RedisKeys,
  type ApiKeyRecordV1,
  type CatalogRecordV1,
  type DeploymentRecord,
  type ModelRecord,
  type TenantRecordV1,
  type UsageEventV1,
} from '@sluice/contracts';
import { USAGE_EVENT_FIELD } from '@sluice/gateway/redis-state';
import { writeProjectionRecord } from '@sluice/projection';
import { DEFAULT_PROVIDER_CREDENTIAL_ENVS } from '@sluice/platform';
import { apiKeyRecord, MOCK_PROVIDER_GATEWAY_ENV, tenantRecord, TEST_REDIS_URL } from '@sluice/testing';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';

/** The credential variable the test catalog names, and its value (the mock accepts any). */
export const MOCK_CREDENTIAL_ENV = 'SLUICE_TEST_MOCK_KEY';
export const MOCK_CREDENTIAL_VALUE = 'mock-secret';

/** What a gateway needs to call the mock provider on 127.0.0.1 with the test catalog: loopback opened, the test credential variable listed. */
export const MOCK_UPSTREAM_ENV: Readonly<Record<string, string>> = Object.freeze({
  ...MOCK_PROVIDER_GATEWAY_ENV,
  PROVIDER_CREDENTIAL_ENVS: [...DEFAULT_PROVIDER_CREDENTIAL_ENVS, MOCK_CREDENTIAL_ENV].join(','),
});

/** Writes projection records the way the control plane does, under one gateway's key prefix. */
export class GatewayFixtures {
  readonly redis: Redis;

  /** `url`: the gateway's Redis, when it is not the shared one (a DisposableRedisServer). */
  constructor(
    readonly keyPrefix: string,
    url = TEST_REDIS_URL,
  ) {
    this.redis = new Redis(url, { keyPrefix, maxRetriesPerRequest: 1 });
  }

  close(): Promise<unknown> {
    return this.redis.quit();
  }

  async tenant(overrides: Partial<TenantRecordV1> = {}): Promise<TenantRecordV1> {
    const tenant = tenantRecord(overrides);
    await this.writeTenant(tenant);
    return tenant;
  }

  writeTenant(tenant: TenantRecordV1): Promise<void> {
    return writeProjectionRecord(this.redis, this.keyPrefix, { kind: 'tenant', id: tenant.id }, tenant);
  }

  /** A key of `tenant`; returns its secret with its record. */
  async apiKey(tenant: TenantRecordV1, overrides: Partial<ApiKeyRecordV1> = {}): Promise<{ secret: string; record: ApiKeyRecordV1 }> {
    const record = apiKeyRecord(tenant.id, overrides);
    const { secret } = generateApiKey(record.environment);
    await writeProjectionRecord(this.redis, this.keyPrefix, { kind: 'api_key', id: hashApiKey(secret) }, record);
    return { secret, record };
  }

  catalog(models: ModelRecord[]): Promise<void> {
    const catalog: CatalogRecordV1 = { v: 1, revision: randomUUID(), models };
    return writeProjectionRecord(this.redis, this.keyPrefix, { kind: 'catalog' }, catalog);
  }

  /** Every usage event the gateway has appended so far. */
  async usageEvents(): Promise<UsageEventV1[]> {
    const entries = await this.redis.xrange(RedisKeys.usageStream(), '-', '+');
    return entries.map(([, fields]) => JSON.parse(fields[fields.indexOf(USAGE_EVENT_FIELD) + 1]) as UsageEventV1);
  }

  async usageEventsOf(tenantId: string): Promise<UsageEventV1[]> {
    return (await this.usageEvents()).filter((event) => event.tenant_id === tenantId);
  }
}

export function mockDeployment(id: string, baseUrl: string, upstreamModel: string, overrides: Partial<DeploymentRecord> = {}): DeploymentRecord {
  return {
    id,
    provider: 'mock',
    base_url: baseUrl,
    upstream_model: upstreamModel,
    credential_env: MOCK_CREDENTIAL_ENV,
    weight: 1,
    region: null,
    timeout_ms: 10_000,
    ...overrides,
  };
}

export function mockModel(id: string, deployments: DeploymentRecord[], overrides: Partial<ModelRecord> = {}): ModelRecord {
  return {
    id,
    aliases: [],
    provider: 'mock',
    deployments,
    fallbacks: [],
    pricing: { input_per_mtok_usd: 1, output_per_mtok_usd: 2 },
    context_window: 8192,
    max_output_tokens: 256,
    capabilities: ['chat', 'tools', 'streaming'],
    sandbox: false,
    enabled: true,
    ...overrides,
  };
}
