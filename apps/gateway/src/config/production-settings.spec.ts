import { loadGatewayConfig } from './gateway.config';

const PRODUCTION = { NODE_ENV: 'production', JWT_SECRET: '4f9c1e7a2b8d3f6a0c5e9b1d7f3a8c2e6b0d4f8a' };

describe('loadGatewayConfig: what production refuses and defaults', () => {
  it('refuses TRUST_PROXY=true in production and takes a hop count or proxy CIDRs', () => {
    expect(() => loadGatewayConfig({ ...PRODUCTION, TRUST_PROXY: 'true' })).toThrow(/^Invalid configuration: TRUST_PROXY=true /);
    expect(loadGatewayConfig({ ...PRODUCTION, TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadGatewayConfig({ ...PRODUCTION, TRUST_PROXY: '10.0.0.0/8,fd00::/8' }).trustProxy).toEqual(['10.0.0.0/8', 'fd00::/8']);
  });

  it('refuses a published JWT_SECRET in production', () => {
    expect(() => loadGatewayConfig({ ...PRODUCTION, JWT_SECRET: 'dev-only-jwt-secret-do-not-use-in-production' })).toThrow(/^Invalid configuration: JWT_SECRET is a value published/);
  });

  it('lets streams and silent non-streamed completions outlast the connection timeout of the control plane', () => {
    expect(loadGatewayConfig({})).toEqual(expect.objectContaining({ requestTimeoutMs: 30_000, connectionTimeoutMs: 600_000, metricsPort: 9465, bodyLimitBytes: 20 * 1024 * 1024 }));
    expect(loadGatewayConfig({ CONNECTION_TIMEOUT_MS: '120000', GATEWAY_METRICS_PORT: '0' })).toEqual(expect.objectContaining({ connectionTimeoutMs: 120_000, metricsPort: 0 }));
  });
});
