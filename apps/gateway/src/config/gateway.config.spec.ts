import { loadGatewayConfig } from './gateway.config';

describe('loadGatewayConfig', () => {
  it('reads the upstream, routing and usage settings, with defaults', () => {
    const config = loadGatewayConfig({ UPSTREAM_CONNECTIONS_PER_ORIGIN: '16', ROUTING_MAX_ATTEMPTS: '2', USAGE_SPILL_DIR: '/var/spill' });
    expect(config.upstream).toEqual({ connectionsPerOrigin: 16, connectTimeoutMs: 5_000, idleTimeoutMs: 30_000 });
    expect(config.routing).toEqual({ maxAttempts: 2, breakerFailureThreshold: 5, breakerCooldownMs: 30_000 });
    expect(config.usageSpillDirectory).toBe('/var/spill');
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

  it('passes the environment through for credentials named by the catalog', () => {
    expect(loadGatewayConfig({ OPENAI_API_KEY: 'sk-test' }).credentialEnvironment['OPENAI_API_KEY']).toBe('sk-test');
  });

  it('stops on an invalid value with one line naming the variable', () => {
    expect(() => loadGatewayConfig({ ROUTING_MAX_ATTEMPTS: '0' })).toThrow('Invalid configuration: ROUTING_MAX_ATTEMPTS must be a whole number from 1 to 20');
    expect(() => loadGatewayConfig({ UPSTREAM_IDLE_TIMEOUT_MS: 'soon' })).toThrow(/UPSTREAM_IDLE_TIMEOUT_MS must be a whole number of milliseconds/);
  });
});
