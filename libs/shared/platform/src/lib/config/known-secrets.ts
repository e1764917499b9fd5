import { ConfigError } from './config-error';

/**
 * Secret values written in this repository (development defaults in code,
 * docker-compose.yml, k8s overlays, docs, `npm start`), whether still there or
 * removed since: anyone who has read the repository knows them.
 * apps/control-plane/src/config/published-secrets.spec.ts scans the
 * repository and fails when a value assigned to a secret there is not refused.
 */
const PUBLISHED = [
  'sluice-development-jwt-secret-do-not-use',
  'compose-development-jwt-secret-change-me',
  'dev-only-jwt-secret-do-not-use-in-production',
  'REPLACE_ME-min-32-chars',
  'REPLACE_ME-64-hex-digits',
  'sluice-admin-password',
  'sluice-dev-password',
];

/** Words that mark a value as a placeholder or an example, wherever they appear in it. */
const PLACEHOLDER_WORDS = /change.?me|change.?it|replace.?me|do.?not.?use|placeholder|example|insecure|your.?secret|not.?a.?secret/i;

/** Whole values nobody should run production with. */
const WEAK = new Set(['secret', 'secrets', 'password', 'passw0rd', 'admin', 'test', 'testing', 'dev', 'development', 'default', 'sluice', 'jwt', 'jwt-secret', 'jwt_secret', 'secret-key', 'secret_key', 'key', 'token', 'qwerty', '123456', '12345678', '1234567890']);

/** Whether a secret's value is published in the repository, a placeholder, or one character repeated (64 zeros). */
export function isKnownSecret(value: string): boolean {
  const text = value.trim();
  const lower = text.toLowerCase();
  if (PUBLISHED.some((published) => published.toLowerCase() === lower)) return true;
  if (WEAK.has(lower) || PLACEHOLDER_WORDS.test(text)) return true;
  // Base64 padding aside, one repeated character: `0` × 64 as hex, `A` × 43 as base64 (all zero bytes).
  return /^(.)\1*$/s.test(text.replace(/=+$/, ''));
}

/** Under NODE_ENV=production, refuses a secret anyone could know, naming the variable and never the value. */
export function refuseKnownSecret(value: string, name: string, production: boolean): string {
  if (production && isKnownSecret(value)) {
    throw new ConfigError(`Invalid configuration: ${name} is a value published in the Sluice repository or a placeholder; under NODE_ENV=production set a secret of your own (openssl rand -hex 32)`);
  }
  return value;
}
