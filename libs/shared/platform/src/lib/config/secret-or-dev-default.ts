import { ConfigError } from './config-error';
import { refuseKnownSecret } from './known-secrets';

/**
 * A secret that development and tests may leave unset (they get a fixed,
 * well-known value) and production must set, to a value that is not published
 * (known-secrets.ts).
 */
export function secretOrDevDefault(value: string | undefined, name: string, production: boolean, devDefault: string): string {
  if (value) return refuseKnownSecret(value, name, production);
  if (production) throw new ConfigError(`Invalid configuration: ${name} must be set when NODE_ENV=production`);
  return devDefault;
}
