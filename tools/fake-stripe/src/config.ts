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

/** A configuration problem, worded as the one line an operator needs to fix it. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads a TCP port from an environment value; unset or blank gives `fallback`, 0 picks a free port. */
export function parsePort(raw: string | undefined, name: string, fallback: number): number {
  const text = raw?.trim() ?? '';
  if (text === '') return fallback;
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port <= 65535)) {
    throw new ConfigError(`Invalid configuration: ${name} must be an integer from 0 to 65535 (0 picks a free port), got "${raw}"`);
  }
  return port;
}

export function loadConfig(env: NodeJS.ProcessEnv): FakeStripeConfig {
  const webhookUrl = env['FAKE_STRIPE_WEBHOOK_URL']?.trim() || null;
  if (webhookUrl !== null && !/^https?:\/\/\S+$/.test(webhookUrl)) {
    throw new ConfigError(`Invalid configuration: FAKE_STRIPE_WEBHOOK_URL must be an http:// or https:// URL, got "${webhookUrl}"`);
  }
  return {
    port: parsePort(env['FAKE_STRIPE_PORT'], 'FAKE_STRIPE_PORT', DEFAULT_PORT),
    host: env['FAKE_STRIPE_HOST']?.trim() || DEFAULT_HOST,
    webhookUrl,
    webhookSecret: env['STRIPE_WEBHOOK_SECRET']?.trim() || null,
  };
}
