import { ConfigError } from './config-error';
import { DEFAULT_PROVIDER_CREDENTIAL_ENVS, providerCredentialEnvs } from './provider-credential-envs';

describe('providerCredentialEnvs (PROVIDER_CREDENTIAL_ENVS)', () => {
  it('defaults to the providers’ own variables', () => {
    expect(providerCredentialEnvs(undefined)).toEqual(['OPENAI_API_KEY', 'ANTHROPIC_API_KEY']);
    expect(providerCredentialEnvs(' ')).toBe(DEFAULT_PROVIDER_CREDENTIAL_ENVS);
  });

  it('reads a comma-separated list, trimmed and without repeats', () => {
    expect(providerCredentialEnvs(' OPENAI_API_KEY, VLLM_TOKEN ,OPENAI_API_KEY,')).toEqual(['OPENAI_API_KEY', 'VLLM_TOKEN']);
  });

  it.each(['openai_api_key', 'A-B', ',', 'OPENAI_API_KEY;X'])('refuses %j, naming the variable', (raw) => {
    expect(() => providerCredentialEnvs(raw)).toThrow(ConfigError);
    expect(() => providerCredentialEnvs(raw)).toThrow(/^Invalid configuration: PROVIDER_CREDENTIAL_ENVS must be environment variable names/);
  });

  it.each(['JWT_SECRET', 'SECRETS_KEY', 'DATABASE_URL', 'REDIS_URL'])('refuses %s, a Sluice secret', (name) => {
    expect(() => providerCredentialEnvs(`OPENAI_API_KEY,${name}`)).toThrow(`PROVIDER_CREDENTIAL_ENVS must not name ${name}`);
  });
});
