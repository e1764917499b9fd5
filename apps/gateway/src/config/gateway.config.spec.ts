import { availableCpus } from './available-cpus';
import { loadGatewayConfig } from './gateway.config';

/** A secret of an operator's own: production refuses published and one-character ones. */
const PRODUCTION_SECRET = 'c2b8d7f04a9e1635be70d1f8a4c3e29b';

describe('loadGatewayConfig', () => {
  it('reads GATEWAY_WORKERS: one process outside production, one worker per available CPU in production by default', () => {
    expect(loadGatewayConfig({}).workers).toBe(1);
    expect(loadGatewayConfig({ GATEWAY_WORKERS: '3' }).workers).toBe(3);
    expect(loadGatewayConfig({ NODE_ENV: 'production', JWT_SECRET: PRODUCTION_SECRET }).workers).toBe(availableCpus());
    expect(loadGatewayConfig({ NODE_ENV: 'production', JWT_SECRET: PRODUCTION_SECRET, GATEWAY_WORKERS: '1' }).workers).toBe(1);
    expect(() => loadGatewayConfig({ GATEWAY_WORKERS: '0' })).toThrow('GATEWAY_WORKERS must be a whole number from 1 to 256');
    expect(() => loadGatewayConfig({ GATEWAY_WORKERS: 'two' })).toThrow('GATEWAY_WORKERS must be a whole number from 1 to 256');
  });

  it("reads each worker's V8 heap settings: V8's own old-space limit (0), 8 MiB semi-spaces and 75 % growth by default", () => {
    expect(loadGatewayConfig({}).workerHeap).toEqual({ oldSpaceMb: 0, semiSpaceMb: 8, growthPercent: 75 });
    expect(loadGatewayConfig({ GATEWAY_WORKER_HEAP_MB: '384' }).workerHeap).toEqual({ oldSpaceMb: 384, semiSpaceMb: 8, growthPercent: 75 });
    expect(loadGatewayConfig({ GATEWAY_WORKER_HEAP_MB: '1024', GATEWAY_WORKER_SEMI_SPACE_MB: '0', GATEWAY_WORKER_HEAP_GROWTH_PERCENT: '0' }).workerHeap).toEqual({
      oldSpaceMb: 1024,
      semiSpaceMb: 0,
      growthPercent: 0,
    });
    expect(loadGatewayConfig({ GATEWAY_WORKER_HEAP_GROWTH_PERCENT: '150' }).workerHeap.growthPercent).toBe(150);
    for (const value of ['-1', '301', '7.5', 'less']) {
      expect(() => loadGatewayConfig({ GATEWAY_WORKER_HEAP_GROWTH_PERCENT: value })).toThrow('GATEWAY_WORKER_HEAP_GROWTH_PERCENT must be a whole number from 0 to 300');
    }
    expect(() => loadGatewayConfig({ GATEWAY_WORKER_HEAP_MB: '-1' })).toThrow('GATEWAY_WORKER_HEAP_MB must be a whole number from 0 to 65536');
    expect(() => loadGatewayConfig({ GATEWAY_WORKER_HEAP_MB: 'lots' })).toThrow('GATEWAY_WORKER_HEAP_MB must be a whole number from 0 to 65536');
    expect(() => loadGatewayConfig({ GATEWAY_WORKER_HEAP_MB: '64' })).toThrow("GATEWAY_WORKER_HEAP_MB must be 0 (V8's own limit) or from 128 to 65536");
    expect(() => loadGatewayConfig({ GATEWAY_WORKER_SEMI_SPACE_MB: '512' })).toThrow('GATEWAY_WORKER_SEMI_SPACE_MB must be a whole number from 0 to 256');
  });

  it('reads the upstream, routing and usage settings, with defaults', () => {
    const config = loadGatewayConfig({ UPSTREAM_CONNECTIONS_PER_ORIGIN: '16', ROUTING_MAX_ATTEMPTS: '2', USAGE_SPILL_DIR: '/var/spill' });
    expect(config.upstream).toEqual({ connectionsPerOrigin: 16, connectTimeoutMs: 5_000, idleTimeoutMs: 30_000, allowedPrivateCidrs: [], devMockUrl: null });
    expect(config.routing).toEqual({ maxAttempts: 2, breakerFailureThreshold: 5, breakerCooldownMs: 30_000 });
    expect(config.usageSpillDirectory).toBe('/var/spill');
  });

  it('reads USAGE_STREAM_SHARDS: one stream by default, a whole number from 1 to 256, refused with a clear message otherwise', () => {
    expect(loadGatewayConfig({}).usageStreamShards).toBe(1);
    expect(loadGatewayConfig({ USAGE_STREAM_SHARDS: '16' }).usageStreamShards).toBe(16);
    for (const value of ['0', '-1', '257', '1.5', 'sixteen']) {
      expect(() => loadGatewayConfig({ USAGE_STREAM_SHARDS: value })).toThrow('USAGE_STREAM_SHARDS must be a whole number from 1 to 256');
    }
  });

  it('reads what admission does while Redis is down: fail_open by default, within 2 s', () => {
    expect(loadGatewayConfig({}).admission).toEqual({ redisDownMode: 'fail_open', redisTimeoutMs: 2_000 });
    expect(loadGatewayConfig({ ADMISSION_REDIS_DOWN_MODE: 'fail_closed', ADMISSION_REDIS_TIMEOUT_MS: '250' }).admission).toEqual({
      redisDownMode: 'fail_closed',
      redisTimeoutMs: 250,
    });
    expect(() => loadGatewayConfig({ ADMISSION_REDIS_DOWN_MODE: 'open' })).toThrow('ADMISSION_REDIS_DOWN_MODE must be one of fail_open, fail_closed');
    expect(() => loadGatewayConfig({ ADMISSION_REDIS_TIMEOUT_MS: '0' })).toThrow(/ADMISSION_REDIS_TIMEOUT_MS must be a whole number of milliseconds/);
  });

  it('passes only the PROVIDER_CREDENTIAL_ENVS variables through, never the gateway secrets', () => {
    const config = loadGatewayConfig({ OPENAI_API_KEY: 'sk-test', JWT_SECRET: 'j'.repeat(32), SOMETHING_ELSE: 'x' });
    expect(config.providerCredentialEnvs).toEqual(['OPENAI_API_KEY', 'ANTHROPIC_API_KEY']);
    expect(config.credentialEnvironment).toEqual({ OPENAI_API_KEY: 'sk-test', ANTHROPIC_API_KEY: undefined });
    const custom = loadGatewayConfig({ PROVIDER_CREDENTIAL_ENVS: 'VLLM_TOKEN', VLLM_TOKEN: 't', OPENAI_API_KEY: 'sk-test' });
    expect(custom.credentialEnvironment).toEqual({ VLLM_TOKEN: 't' });
    expect(() => loadGatewayConfig({ PROVIDER_CREDENTIAL_ENVS: 'OPENAI_API_KEY,JWT_SECRET' })).toThrow('PROVIDER_CREDENTIAL_ENVS must not name JWT_SECRET');
  });

  it('reads UPSTREAM_ALLOWED_PRIVATE_CIDRS: CIDRs or single addresses, none by default', () => {
    expect(loadGatewayConfig({ UPSTREAM_ALLOWED_PRIVATE_CIDRS: '127.0.0.1/32, 10.1.0.0/16,fd00::/8,192.168.1.5' }).upstream.allowedPrivateCidrs).toEqual([
      { address: '127.0.0.1', prefix: 32, family: 'ipv4' },
      { address: '10.1.0.0', prefix: 16, family: 'ipv4' },
      { address: 'fd00::', prefix: 8, family: 'ipv6' },
      { address: '192.168.1.5', prefix: 32, family: 'ipv4' },
    ]);
    for (const bad of ['10.0.0.0/33', 'localhost', '10.0.0.0/8/1', 'fd00::/129', '10.0.0.0/x']) {
      expect(() => loadGatewayConfig({ UPSTREAM_ALLOWED_PRIVATE_CIDRS: bad })).toThrow(/^Invalid configuration: UPSTREAM_ALLOWED_PRIVATE_CIDRS must be IP ranges in CIDR notation/);
    }
  });

  it('reads DEV_MOCK_UPSTREAM_URL outside production, and refuses to start with it in production', () => {
    expect(loadGatewayConfig({ NODE_ENV: 'development', DEV_MOCK_UPSTREAM_URL: 'http://127.0.0.1:9100/' }).upstream.devMockUrl).toBe('http://127.0.0.1:9100');
    expect(loadGatewayConfig({ NODE_ENV: 'test', DEV_MOCK_UPSTREAM_URL: 'http://127.0.0.1:9100' }).upstream.devMockUrl).toBe('http://127.0.0.1:9100');
    expect(() => loadGatewayConfig({ DEV_MOCK_UPSTREAM_URL: 'ftp://mock' })).toThrow('DEV_MOCK_UPSTREAM_URL must be an http:// or https:// URL');
    expect(() => loadGatewayConfig({ NODE_ENV: 'production', JWT_SECRET: PRODUCTION_SECRET, DEV_MOCK_UPSTREAM_URL: 'http://127.0.0.1:9100' })).toThrow(
      'Invalid configuration: DEV_MOCK_UPSTREAM_URL is for development only and must not be set when NODE_ENV=production',
    );
    expect(loadGatewayConfig({ NODE_ENV: 'production', JWT_SECRET: PRODUCTION_SECRET }).upstream.devMockUrl).toBeNull();
  });

  it('stops on an invalid value with one line naming the variable', () => {
    expect(() => loadGatewayConfig({ ROUTING_MAX_ATTEMPTS: '0' })).toThrow('Invalid configuration: ROUTING_MAX_ATTEMPTS must be a whole number from 1 to 20');
    expect(() => loadGatewayConfig({ UPSTREAM_IDLE_TIMEOUT_MS: 'soon' })).toThrow(/UPSTREAM_IDLE_TIMEOUT_MS must be a whole number of milliseconds/);
  });
});
