import { ConfigError } from '@sluice/platform';
import { loadControlPlaneConfig } from './control-plane.config';

const PRODUCTION = {
  NODE_ENV: 'production',
  JWT_SECRET: '4f9c1e7a2b8d3f6a0c5e9b1d7f3a8c2e6b0d4f8a',
  SECRETS_KEY: '3a7f1c9e5b2d8f4a6c0e1b3d5f7a9c2e4b6d8f0a1c3e5a7b9d1f3a5c7e9b1d3f',
};

describe('loadControlPlaneConfig: what production refuses and defaults', () => {
  it('refuses TRUST_PROXY=true in production and takes a hop count or proxy CIDRs', () => {
    expect(() => loadControlPlaneConfig({ ...PRODUCTION, TRUST_PROXY: 'true' })).toThrow(ConfigError);
    expect(() => loadControlPlaneConfig({ ...PRODUCTION, TRUST_PROXY: 'true' })).toThrow(/^Invalid configuration: TRUST_PROXY=true /);
    expect(loadControlPlaneConfig({ ...PRODUCTION, TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadControlPlaneConfig({ ...PRODUCTION, TRUST_PROXY: '10.0.0.0/8' }).trustProxy).toEqual(['10.0.0.0/8']);
    expect(loadControlPlaneConfig({ ...PRODUCTION }).trustProxy).toBe(false);
    expect(loadControlPlaneConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
  });

  it.each([
    ['JWT_SECRET', 'sluice-development-jwt-secret-do-not-use'],
    ['JWT_SECRET', 'changeme-changeme-changeme-changeme!'],
    ['SECRETS_KEY', '0'.repeat(64)],
    ['SLUICE_ADMIN_PASSWORD', 'sluice-admin-password'],
  ])('refuses a published %s in production, and accepts it in development', (variable, value) => {
    expect(() => loadControlPlaneConfig({ ...PRODUCTION, [variable]: value })).toThrow(new RegExp(`^Invalid configuration: ${variable} is a value published`));
    expect(() => loadControlPlaneConfig({ [variable]: value })).not.toThrow();
  });

  it('serves the OpenAPI docs outside production unless turned off, and in production only when turned on', () => {
    expect(loadControlPlaneConfig({}).openApiDocs).toBe(true);
    expect(loadControlPlaneConfig({ OPENAPI_DOCS_ENABLED: 'false' }).openApiDocs).toBe(false);
    expect(loadControlPlaneConfig(PRODUCTION).openApiDocs).toBe(false);
    expect(loadControlPlaneConfig({ ...PRODUCTION, OPENAPI_DOCS_ENABLED: 'true' }).openApiDocs).toBe(true);
  });

  it('reads the public base URL without its trailing slash, or none', () => {
    expect(loadControlPlaneConfig({}).publicBaseUrl).toBeNull();
    expect(loadControlPlaneConfig({ PUBLIC_BASE_URL: 'https://sluice.example.com/' }).publicBaseUrl).toBe('https://sluice.example.com');
    expect(() => loadControlPlaneConfig({ PUBLIC_BASE_URL: 'sluice.example.com' })).toThrow(/^Invalid configuration: PUBLIC_BASE_URL must be an http:\/\/ or https:\/\/ URL/);
    expect(() => loadControlPlaneConfig({ PUBLIC_BASE_URL: 'https://sluice.example.com/?next=x' })).toThrow(/PUBLIC_BASE_URL/);
  });

  it('reads timeouts and the metrics port, with defaults', () => {
    expect(loadControlPlaneConfig({})).toEqual(expect.objectContaining({ requestTimeoutMs: 30_000, connectionTimeoutMs: 60_000, metricsPort: 9464 }));
    expect(loadControlPlaneConfig({ REQUEST_TIMEOUT_MS: '5000', CONNECTION_TIMEOUT_MS: '10000', CONTROL_PLANE_METRICS_PORT: '9100' })).toEqual(
      expect.objectContaining({ requestTimeoutMs: 5_000, connectionTimeoutMs: 10_000, metricsPort: 9100 }),
    );
  });
});
