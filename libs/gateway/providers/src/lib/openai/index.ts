import type { ProviderKind } from '@sluice/contracts';
import type { ProviderAdapter } from '../types';
import { mapOpenAiError } from './errors';
import { buildOpenAiRequest } from './request';
import { parseOpenAiResponse } from './response';
import { createOpenAiStreamState, parseOpenAiStreamFrame, type OpenAiStreamState } from './stream';

export { resolveChatCompletionsEndpoint, DEFAULT_AZURE_API_VERSION, type OpenAiEndpoint } from './api';
export type { OpenAiStreamState } from './stream';

/** OpenAI's wire format, for OpenAI itself and every server that speaks it; only the kind (its metrics label) differs. */
export function createOpenAiAdapter(kind: ProviderKind): ProviderAdapter<OpenAiStreamState> {
  return {
    kind,
    wireFormat: 'openai',
    buildRequest: buildOpenAiRequest,
    parseResponse: parseOpenAiResponse,
    createStreamState: createOpenAiStreamState,
    parseStreamFrame: parseOpenAiStreamFrame,
    mapError: mapOpenAiError,
  };
}

export const openAiAdapter = createOpenAiAdapter('openai');
export const openAiCompatibleAdapter = createOpenAiAdapter('openai-compatible');
