import { loadControlPlaneConfig } from '../config/control-plane.config';

describe('billing configuration', () => {
  it('defaults: Stripe not configured, the real API, a 72-hour grace period, URLs back to the control plane', () => {
    expect(loadControlPlaneConfig({ NODE_ENV: 'test' }).billing).toEqual({
      stripeSecretKey: null,
      stripeApi: { host: 'api.stripe.com', port: 443, protocol: 'https' },
      webhookSecret: null,
      gracePeriodMs: 72 * 3_600_000,
      closeIntervalMs: 60_000,
      successUrl: 'http://127.0.0.1:8000/?checkout=success',
      cancelUrl: 'http://127.0.0.1:8000/?checkout=cancel',
    });
  });

  it('takes the library host, port and protocol from STRIPE_API_BASE, and fractions of an hour of grace', () => {
    const billing = loadControlPlaneConfig({
      NODE_ENV: 'test',
      STRIPE_SECRET_KEY: 'sk_test_abc',
      STRIPE_WEBHOOK_SECRET: 'whsec_abc',
      STRIPE_API_BASE: 'http://127.0.0.1:12111',
      BILLING_GRACE_PERIOD_HOURS: '0.5',
      STRIPE_SUCCESS_URL: 'https://console.example.com/billing/done',
    }).billing;
    expect(billing).toMatchObject({
      stripeSecretKey: 'sk_test_abc',
      webhookSecret: 'whsec_abc',
      stripeApi: { host: '127.0.0.1', port: 12111, protocol: 'http' },
      gracePeriodMs: 1_800_000,
      successUrl: 'https://console.example.com/billing/done',
    });
    expect(loadControlPlaneConfig({ NODE_ENV: 'test', BILLING_GRACE_PERIOD_HOURS: '0' }).billing.gracePeriodMs).toBe(0);
  });

  it.each([
    ['STRIPE_SECRET_KEY', 'pk_test_public'],
    ['STRIPE_WEBHOOK_SECRET', 'secret'],
    ['STRIPE_API_BASE', 'https://api.stripe.com/v1'],
    ['BILLING_GRACE_PERIOD_HOURS', '-1'],
    ['BILLING_GRACE_PERIOD_HOURS', 'soon'],
    ['STRIPE_CANCEL_URL', 'javascript:alert(1)'],
  ])('refuses %s=%p, naming it', (name, value) => {
    expect(() => loadControlPlaneConfig({ NODE_ENV: 'test', [name]: value })).toThrow(new RegExp(name));
  });
});
