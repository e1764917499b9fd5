import { ConfigError } from './config-error';

/** The variables that may hold provider credentials when `PROVIDER_CREDENTIAL_ENVS` is not set: the providers' own names. */
export const DEFAULT_PROVIDER_CREDENTIAL_ENVS: readonly string[] = Object.freeze(['OPENAI_API_KEY', 'ANTHROPIC_API_KEY']);

const ENV_NAME = /^[A-Z_][A-Z0-9_]{0,127}$/;

/** Sluice's own secrets and connection strings: never a provider credential, whatever the list says. */
const SLUICE_SECRETS = new Set(['JWT_SECRET', 'SECRETS_KEY', 'DATABASE_URL', 'REDIS_URL', 'REDIS_CLUSTER_PASSWORD', 'SLUICE_ADMIN_PASSWORD', 'OTEL_EXPORTER_OTLP_HEADERS']);

/**
 * `PROVIDER_CREDENTIAL_ENVS`, comma-separated: the only variables a catalog
 * deployment's `credential_env` may name. The control plane refuses other
 * names and the gateway never reads them, so the catalog cannot send another
 * variable of the gateway's environment (its JWT secret) to a provider URL.
 */
export function providerCredentialEnvs(raw: string | undefined): readonly string[] {
  if (raw === undefined || raw.trim() === '') return DEFAULT_PROVIDER_CREDENTIAL_ENVS;
  const names = [...new Set(raw.split(',').map((name) => name.trim()).filter((name) => name !== ''))];
  const invalid = names.find((name) => !ENV_NAME.test(name));
  if (invalid !== undefined || names.length === 0) {
    throw new ConfigError('Invalid configuration: PROVIDER_CREDENTIAL_ENVS must be environment variable names (A-Z, 0-9, _) separated by commas');
  }
  const secret = names.find((name) => SLUICE_SECRETS.has(name));
  if (secret !== undefined) throw new ConfigError(`Invalid configuration: PROVIDER_CREDENTIAL_ENVS must not name ${secret}, a Sluice setting`);
  return Object.freeze(names);
}
