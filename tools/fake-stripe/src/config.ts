import { ConfigError, parseHost, parsePort } from '@sluice/fake-server';

export { ConfigError, parsePort } from '@sluice/fake-server';

export const DEFAULT_PORT = 12111;
export const DEFAULT_HOST = '127.0.0.1';

export interface FakeStripeConfig {
  port: number;
  host: string;
  /** Where signed events are sent (Sluice's webhook route); none: events are only recorded. */
  webhookUrl: string | null;
  /** The endpoint's signing secret (`whsec_…`), as Stripe shows it for an endpoint. */
  webhookSecret: string | null;
}

export function loadConfig(env: NodeJS.ProcessEnv): FakeStripeConfig {
  const webhookUrl = env['FAKE_STRIPE_WEBHOOK_URL']?.trim() || null;
  if (webhookUrl !== null && !/^https?:\/\/\S+$/.test(webhookUrl)) {
    throw new ConfigError(`Invalid configuration: FAKE_STRIPE_WEBHOOK_URL must be an http:// or https:// URL, got "${webhookUrl}"`);
  }
  return {
    port: parsePort(env['FAKE_STRIPE_PORT'], 'FAKE_STRIPE_PORT', DEFAULT_PORT),
    host: parseHost(env['FAKE_STRIPE_HOST'], DEFAULT_HOST),
    webhookUrl,
    webhookSecret: env['STRIPE_WEBHOOK_SECRET']?.trim() || null,
  };
}
