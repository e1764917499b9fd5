import type { CanonicalResponse, CanonicalRequest } from '@sluice/gateway/providers';
import { OpenAiStreamPassThrough } from '@sluice/gateway/providers';
import { openAiEdge } from './openai-edge';

describe('openAiEdge', () => {
  const text = '{"id":"c1","object":"chat.completion","created":1,"model":"upstream-model","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2},"system_fingerprint":"fp"}';
  const completion = JSON.parse(text) as CanonicalResponse;

  it('relays an OpenAI-format answer as its text, with the model name the client asked for', () => {
    const relayed = openAiEdge.answerText?.(text, completion, 'my-model', 'openai');
    expect(relayed).toBe(text.replace('"model":"upstream-model"', '"model":"my-model"'));
    expect(JSON.parse(relayed ?? '')).toEqual(openAiEdge.body(completion, 'my-model'));
  });

  it('builds the answer from the translation when the provider speaks another format', () => {
    expect(openAiEdge.answerText?.(text, completion, 'my-model', 'anthropic')).toBeUndefined();
  });

  it('passes OpenAI-format streams through and leaves other formats to the translating relay', () => {
    const request = { model: 'my-model', messages: [], stream: true } as unknown as CanonicalRequest;
    expect(openAiEdge.streamPassThrough?.(request, 'my-model', 'openai')).toBeInstanceOf(OpenAiStreamPassThrough);
    expect(openAiEdge.streamPassThrough?.(request, 'my-model', 'anthropic')).toBeUndefined();
  });
});
