import { ConfigError, DEFAULT_HOST, DEFAULT_PORT, loadConfig } from './config';

describe('fake Stripe configuration', () => {
  it('defaults to 127.0.0.1:12111 with no webhook target', () => {
    expect(loadConfig({})).toEqual({ port: DEFAULT_PORT, host: DEFAULT_HOST, webhookUrl: null, webhookSecret: null });
  });

  it('reads FAKE_STRIPE_PORT, FAKE_STRIPE_HOST, FAKE_STRIPE_WEBHOOK_URL and STRIPE_WEBHOOK_SECRET', () => {
    expect(
      loadConfig({ FAKE_STRIPE_PORT: '12200', FAKE_STRIPE_HOST: '0.0.0.0', FAKE_STRIPE_WEBHOOK_URL: 'http://127.0.0.1:8000/api/billing/webhooks/stripe/', STRIPE_WEBHOOK_SECRET: 'whsec_x' }),
    ).toEqual({ port: 12200, host: '0.0.0.0', webhookUrl: 'http://127.0.0.1:8000/api/billing/webhooks/stripe/', webhookSecret: 'whsec_x' });
  });

  it.each([['FAKE_STRIPE_PORT', '65536'], ['FAKE_STRIPE_PORT', 'abc'], ['FAKE_STRIPE_WEBHOOK_URL', 'ftp://x']])('rejects %s=%p, naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^Invalid configuration: ${name}`));
  });
});
