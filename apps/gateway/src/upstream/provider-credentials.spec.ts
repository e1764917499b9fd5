import type { DeploymentRecord } from '@sluice/contracts';
import { toErrorResponse } from '@sluice/platform';
import { ProviderCredentials } from './provider-credentials';
import { UpstreamError } from './upstream.error';

function deployment(id: string, credentialEnv: string | null, overrides: Partial<DeploymentRecord> = {}): DeploymentRecord {
  const provider = overrides.provider ?? 'openai';
  return { id, provider, base_url: 'https://api.openai.com/v1', upstream_model: 'gpt-4o', credential_env: credentialEnv, weight: 1, region: null, timeout_ms: 1000, ...overrides };
}

function failureOf(action: () => unknown): UpstreamError {
  try {
    action();
  } catch (error) {
    if (error instanceof UpstreamError) return error;
    throw error;
  }
  throw new Error('expected an UpstreamError');
}

describe('ProviderCredentials', () => {
  const environment = { OPENAI_API_KEY: 'sk-test-secret-value', EMPTY_KEY: '', JWT_SECRET: 'the-gateway-signing-key-never-sent' };
  const credentials = new ProviderCredentials({ environment, allowed: ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'EMPTY_KEY'] });

  it('reads the variable the catalog names, for the catalog deployment', () => {
    const gpt = deployment('gpt-4o/0', 'OPENAI_API_KEY');
    expect(credentials.target(gpt)).toEqual({ deployment: gpt, credential: 'sk-test-secret-value', servedBy: 'provider' });
  });

  it('needs nothing for a deployment without a credential', () => {
    expect(credentials.target(deployment('mock-fast/0', null, { provider: 'mock' }))).toMatchObject({ credential: null, servedBy: 'provider' });
  });

  it.each(['ANTHROPIC_API_KEY', 'EMPTY_KEY', 'JWT_SECRET', 'PATH'])('answers 503 provider_not_configured for %s, naming neither the variable nor the deployment', (name) => {
    const error = failureOf(() => credentials.target(deployment('claude/0', name)));
    expect(error).toMatchObject({ code: 'provider_not_configured', kind: 'not_configured', retryable: false });
    const response = toErrorResponse(error, 'req-1');
    expect(response.status).toBe(503);
    expect(response.body.error).toMatchObject({ code: 'provider_not_configured', details: {} });
    expect(JSON.stringify(response.body)).not.toContain(name);
    expect(JSON.stringify(response.body)).not.toContain('claude/0');
  });

  it('never reads a variable outside PROVIDER_CREDENTIAL_ENVS, even when it is set', () => {
    const error = failureOf(() => credentials.target(deployment('exfiltrate/0', 'JWT_SECRET')));
    expect(JSON.stringify(toErrorResponse(error, 'req-2').body)).not.toContain('the-gateway-signing-key-never-sent');
  });

  describe('with the development mock (DEV_MOCK_UPSTREAM_URL)', () => {
    const withMock = new ProviderCredentials({ environment, allowed: ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY'], devMockUrl: 'http://127.0.0.1:9100' });

    it('sends a deployment without its credential to the mock, in its own wire format and without any credential', () => {
      const claude = deployment('claude-3-sonnet/0', 'ANTHROPIC_API_KEY', { provider: 'anthropic', base_url: 'https://api.anthropic.com' });
      const target = withMock.target(claude);
      expect(target).toEqual({ deployment: { ...claude, base_url: 'http://127.0.0.1:9100', credential_env: null }, credential: null, servedBy: 'mock' });
      expect(withMock.target(claude).deployment).toBe(target.deployment);
    });

    it('serves a configured deployment from its provider, and never reads an unlisted variable', () => {
      expect(withMock.target(deployment('gpt-4o/0', 'OPENAI_API_KEY'))).toMatchObject({ credential: 'sk-test-secret-value', servedBy: 'provider' });
      expect(withMock.target(deployment('x/0', 'JWT_SECRET'))).toMatchObject({ credential: null, servedBy: 'mock' });
    });
  });
});
