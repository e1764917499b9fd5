import type { OpenAiChatCompletion } from '@sluice/contracts';
import { isRecord, ProviderResponseError } from '../errors';
import type { CanonicalResponse } from '../types';

/** An OpenAI-compatible `chat.completion` is canonical already; this checks it is one. */
export function parseOpenAiResponse(json: unknown): CanonicalResponse {
  if (!isRecord(json) || !Array.isArray(json['choices']) || typeof json['id'] !== 'string') {
    throw new ProviderResponseError('The provider answered with something other than a chat completion');
  }
  return json as unknown as OpenAiChatCompletion;
}
