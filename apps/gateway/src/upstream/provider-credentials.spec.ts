import { toErrorResponse } from '@sluice/platform';
import { ProviderCredentials } from './provider-credentials';
import { UpstreamError } from './upstream.error';

describe('ProviderCredentials', () => {
  const credentials = new ProviderCredentials({ OPENAI_API_KEY: 'sk-test-secret-value', EMPTY_KEY: '' });

  it('reads the variable the catalog names', () => {
    expect(credentials.forDeployment({ id: 'gpt-4o/0', credential_env: 'OPENAI_API_KEY' })).toBe('sk-test-secret-value');
  });

  it('needs nothing for a deployment without a credential', () => {
    expect(credentials.forDeployment({ id: 'mock-fast/0', credential_env: null })).toBeNull();
  });

  it.each(['ANTHROPIC_API_KEY', 'EMPTY_KEY'])('answers 503 provider_not_configured naming %s when it is missing or empty', (name) => {
    let thrown: unknown;
    try {
      credentials.forDeployment({ id: 'claude/0', credential_env: name });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UpstreamError);
    const error = thrown as UpstreamError;
    expect(error).toMatchObject({ code: 'provider_not_configured', kind: 'not_configured', retryable: false });
    expect(error.getStatus()).toBe(503);
    const response = toErrorResponse(error, 'req-1');
    expect(response.status).toBe(503);
    expect(response.body.error).toMatchObject({ code: 'provider_not_configured', details: { credential_env: name, deployment: 'claude/0' } });
    expect(response.body.error.message).toContain(name);
  });

  it('never puts a credential value into an error', () => {
    const leaky = new ProviderCredentials({ OPENAI_API_KEY: 'sk-should-never-appear', OTHER: '' });
    let thrown: unknown;
    try {
      leaky.forDeployment({ id: 'gpt-4o/1', credential_env: 'OTHER' });
    } catch (error) {
      thrown = error;
    }
    expect(JSON.stringify(toErrorResponse(thrown, 'req-2').body)).not.toContain('sk-should-never-appear');
  });
});
