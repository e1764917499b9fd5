import { loadControlPlaneConfig } from './control-plane.config';

const PRODUCTION = {
  NODE_ENV: 'production',
  JWT_SECRET: '4f9c1e7a2b8d3f6a0c5e9b1d7f3a8c2e6b0d4f8a',
  SECRETS_KEY: '3a7f1c9e5b2d8f4a6c0e1b3d5f7a9c2e4b6d8f0a1c3e5a7b9d1f3a5c7e9b1d3f',
};

describe('webhook settings', () => {
  it('defaults to the Standard Webhooks schedule, 5 days to disable, 15 s, public addresses only, https in production', () => {
    expect(loadControlPlaneConfig({}).webhooks).toEqual({
      retryScheduleSeconds: [5, 300, 1800, 7200, 18000, 36000, 36000],
      disableAfterMs: 120 * 3_600_000,
      allowedPrivate: [],
      timeoutMs: 15_000,
      requireHttps: false,
    });
    expect(loadControlPlaneConfig(PRODUCTION).webhooks.requireHttps).toBe(true);
  });

  it('reads a schedule and the allowed private ranges', () => {
    const settings = loadControlPlaneConfig({ WEBHOOK_RETRY_SCHEDULE: ' 1, 2 ,3', WEBHOOK_ALLOWED_PRIVATE_CIDRS: '127.0.0.0/8' }).webhooks;
    expect(settings.retryScheduleSeconds).toEqual([1, 2, 3]);
    expect(settings.allowedPrivate).toEqual([{ address: '127.0.0.0', prefix: 8, family: 'ipv4' }]);
  });

  it.each([
    ['WEBHOOK_RETRY_SCHEDULE', '5,,10', /WEBHOOK_RETRY_SCHEDULE must be/],
    ['WEBHOOK_RETRY_SCHEDULE', '-1', /WEBHOOK_RETRY_SCHEDULE must be/],
    ['WEBHOOK_ALLOWED_PRIVATE_CIDRS', 'localhost', /WEBHOOK_ALLOWED_PRIVATE_CIDRS must be IP ranges/],
    ['WEBHOOK_DISABLE_AFTER_HOURS', '0', /WEBHOOK_DISABLE_AFTER_HOURS must be/],
    ['WEBHOOK_TIMEOUT_MS', '90000', /WEBHOOK_TIMEOUT_MS must be/],
  ])('refuses %s=%s with one line naming it', (variable, value, message) => {
    expect(() => loadControlPlaneConfig({ [variable]: value })).toThrow(message);
  });

  it('refuses in production an allow-list that opens the metadata address', () => {
    for (const cidrs of ['169.254.0.0/16', '0.0.0.0/0', '169.254.169.254']) {
      expect(() => loadControlPlaneConfig({ ...PRODUCTION, WEBHOOK_ALLOWED_PRIVATE_CIDRS: cidrs })).toThrow(/may not include the cloud metadata address/);
      expect(() => loadControlPlaneConfig({ WEBHOOK_ALLOWED_PRIVATE_CIDRS: cidrs })).not.toThrow();
    }
    expect(() => loadControlPlaneConfig({ ...PRODUCTION, WEBHOOK_ALLOWED_PRIVATE_CIDRS: '10.0.0.0/8' })).not.toThrow();
  });
});
