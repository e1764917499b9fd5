import { loadControlPlaneConfig } from './control-plane.config';

const PRODUCTION = {
  NODE_ENV: 'production',
  JWT_SECRET: '4f9c1e7a2b8d3f6a0c5e9b1d7f3a8c2e6b0d4f8a',
  SECRETS_KEY: '3a7f1c9e5b2d8f4a6c0e1b3d5f7a9c2e4b6d8f0a1c3e5a7b9d1f3a5c7e9b1d3f',
};

describe('integrations settings', () => {
  it('defaults: retries at 60, 120 and 240 s, no private destinations, a probe a minute', () => {
    const { integrations } = loadControlPlaneConfig({});
    expect(integrations.retryScheduleMs).toEqual([60_000, 120_000, 240_000]);
    expect(integrations.allowedPrivate).toEqual([]);
    expect(integrations.healthIntervalMs).toBe(60_000);
    expect(integrations.webhookRatePerMinute).toBe(600);
    expect(integrations.jobLockMs).toBe(30_000);
  });

  it('reads the job lock in milliseconds, from 1 s to 10 min', () => {
    expect(loadControlPlaneConfig({ INTEGRATIONS_JOB_LOCK_MS: '5000' }).integrations.jobLockMs).toBe(5_000);
    for (const bad of ['999', '600001', '2.5', 'soon']) {
      expect(() => loadControlPlaneConfig({ INTEGRATIONS_JOB_LOCK_MS: bad })).toThrow(/INTEGRATIONS_JOB_LOCK_MS/);
    }
  });

  it('reads a retry schedule in seconds, fractions allowed, and refuses anything else', () => {
    expect(loadControlPlaneConfig({ INBOUND_RETRY_SCHEDULE: '0.2, 3,60' }).integrations.retryScheduleMs).toEqual([200, 3_000, 60_000]);
    for (const bad of ['soon', '60,,120', '-1', '1,2,3,4,5,6,7,8,9,10,11']) {
      expect(() => loadControlPlaneConfig({ INBOUND_RETRY_SCHEDULE: bad })).toThrow(/INBOUND_RETRY_SCHEDULE/);
    }
  });

  it('reads the private ranges providers may reach, refusing malformed ones and, in production, the metadata address', () => {
    expect(loadControlPlaneConfig({ INTEGRATIONS_ALLOWED_PRIVATE_CIDRS: '127.0.0.0/8, 10.1.0.0/16' }).integrations.allowedPrivate).toHaveLength(2);
    expect(() => loadControlPlaneConfig({ INTEGRATIONS_ALLOWED_PRIVATE_CIDRS: '10.0.0.0/33' })).toThrow(/INTEGRATIONS_ALLOWED_PRIVATE_CIDRS/);
    expect(loadControlPlaneConfig({ ...PRODUCTION, INTEGRATIONS_ALLOWED_PRIVATE_CIDRS: '10.0.0.0/8' }).integrations.allowedPrivate).toHaveLength(1);
    expect(() => loadControlPlaneConfig({ ...PRODUCTION, INTEGRATIONS_ALLOWED_PRIVATE_CIDRS: '169.254.0.0/16' })).toThrow(/cloud metadata/);
    expect(() => loadControlPlaneConfig({ ...PRODUCTION, INTEGRATIONS_ALLOWED_PRIVATE_CIDRS: '0.0.0.0/0' })).toThrow(/cloud metadata/);
    expect(loadControlPlaneConfig({ INTEGRATIONS_ALLOWED_PRIVATE_CIDRS: '169.254.0.0/16' }).integrations.allowedPrivate).toHaveLength(1);
  });
});
