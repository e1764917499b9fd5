import { DEFAULT_AZURE_API_VERSION, openAiHeaders, resolveChatCompletionsEndpoint } from './api';

describe('resolveChatCompletionsEndpoint', () => {
  it.each([
    ['https://api.openai.com/v1', 'https://api.openai.com/v1/chat/completions'],
    ['https://api.openai.com/v1/', 'https://api.openai.com/v1/chat/completions'],
    ['http://127.0.0.1:9100', 'http://127.0.0.1:9100/v1/chat/completions'],
    ['http://127.0.0.1:9100/', 'http://127.0.0.1:9100/v1/chat/completions'],
    ['http://vllm:8000/v1', 'http://vllm:8000/v1/chat/completions'],
    ['http://ollama:11434', 'http://ollama:11434/v1/chat/completions'],
    ['https://gateway.example.com/proxy/openai/v1', 'https://gateway.example.com/proxy/openai/v1/chat/completions'],
    ['https://generativelanguage.googleapis.com/v1beta/openai', 'https://generativelanguage.googleapis.com/v1beta/openai/v1/chat/completions'],
  ])('%s → %s', (baseUrl, url) => {
    expect(resolveChatCompletionsEndpoint(baseUrl)).toEqual({ url, azure: false });
  });

  it('adds chat/completions and the default api-version to an Azure deployment URL', () => {
    expect(resolveChatCompletionsEndpoint('https://acme.openai.azure.com/openai/deployments/gpt4o')).toEqual({
      url: `https://acme.openai.azure.com/openai/deployments/gpt4o/chat/completions?api-version=${DEFAULT_AZURE_API_VERSION}`,
      azure: true,
    });
  });

  it('keeps the api-version an Azure base URL names', () => {
    expect(resolveChatCompletionsEndpoint('https://acme.openai.azure.com/openai/deployments/gpt4o/?api-version=2025-01-01-preview').url).toBe(
      'https://acme.openai.azure.com/openai/deployments/gpt4o/chat/completions?api-version=2025-01-01-preview',
    );
  });

  it('treats Azure v1 base URLs as Azure for authentication', () => {
    expect(resolveChatCompletionsEndpoint('https://acme.openai.azure.com/openai/v1')).toEqual({
      url: 'https://acme.openai.azure.com/openai/v1/chat/completions',
      azure: true,
    });
  });
});

describe('openAiHeaders', () => {
  it('sends a bearer token, Azure an api-key, and nothing without a credential', () => {
    expect(openAiHeaders({ url: '', azure: false }, 'sk-1')).toEqual({ 'content-type': 'application/json', authorization: 'Bearer sk-1' });
    expect(openAiHeaders({ url: '', azure: true }, 'az-1')).toEqual({ 'content-type': 'application/json', 'api-key': 'az-1' });
    expect(openAiHeaders({ url: '', azure: false }, null)).toEqual({ 'content-type': 'application/json' });
  });
});
