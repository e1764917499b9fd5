import type { DeploymentRecord } from '@sluice/contracts';
import type { CanonicalRequest } from '../types';
import { openAiAdapter } from './index';

function deployment(base_url: string): DeploymentRecord {
  return { id: 'gpt-4o/0', provider: 'openai', base_url, upstream_model: 'gpt-4o-2024-08-06', credential_env: 'OPENAI_API_KEY', weight: 1, region: null, timeout_ms: 30_000 };
}

const REQUEST: CanonicalRequest = {
  model: 'gpt-4o',
  messages: [{ role: 'user', content: 'hi' }],
  temperature: 0.2,
  stream: true,
  stream_options: { include_usage: false },
};

describe('OpenAI buildRequest', () => {
  it('asks a stream for usage even when the client did not, with the upstream model', () => {
    const built = openAiAdapter.buildRequest(REQUEST, deployment('https://api.openai.com/v1'), 'sk-1', { stream: true });
    expect(built.url).toBe('https://api.openai.com/v1/chat/completions');
    expect(built.headers['authorization']).toBe('Bearer sk-1');
    expect(JSON.parse(built.body)).toEqual({
      model: 'gpt-4o-2024-08-06',
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.2,
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('sends neither stream nor stream_options when not streaming', () => {
    const built = openAiAdapter.buildRequest(REQUEST, deployment('http://127.0.0.1:9100'), null, { stream: false });
    expect(JSON.parse(built.body)).toEqual({ model: 'gpt-4o-2024-08-06', messages: [{ role: 'user', content: 'hi' }], temperature: 0.2 });
    expect(built.headers['authorization']).toBeUndefined();
  });

  it('passes fields it does not know through untouched', () => {
    const request = { ...REQUEST, top_k: 5, repetition_penalty: 1.1 } as CanonicalRequest;
    const body = JSON.parse(openAiAdapter.buildRequest(request, deployment('http://vllm:8000/v1'), null, { stream: false }).body);
    expect(body).toMatchObject({ top_k: 5, repetition_penalty: 1.1 });
  });

  it('does not change the caller’s request', () => {
    const request = structuredClone(REQUEST);
    openAiAdapter.buildRequest(request, deployment('https://api.openai.com/v1'), 'sk', { stream: true });
    expect(request).toEqual(REQUEST);
  });

  it('uses the api-key header for an Azure deployment', () => {
    const built = openAiAdapter.buildRequest(REQUEST, deployment('https://acme.openai.azure.com/openai/deployments/d1'), 'az', { stream: false });
    expect(built.headers).toEqual({ 'content-type': 'application/json', 'api-key': 'az' });
    expect(built.url).toMatch(/\/openai\/deployments\/d1\/chat\/completions\?api-version=/);
  });
});
