import type { ProviderAdapter } from '../types';
import { mapAnthropicError } from './errors';
import { buildAnthropicRequest } from './request';
import { parseAnthropicResponse } from './response';
import { createAnthropicStreamState, parseAnthropicStreamFrame, type AnthropicStreamState } from './stream';

export { ANTHROPIC_VERSION, resolveMessagesUrl } from './api';
export { DEFAULT_ANTHROPIC_MAX_TOKENS, toMessagesRequest } from './request';
export { finishReasonOf, promptTokensOf } from './response';
export type { AnthropicStreamState } from './stream';

export const anthropicAdapter: ProviderAdapter<AnthropicStreamState> = {
  kind: 'anthropic',
  wireFormat: 'anthropic',
  buildRequest: buildAnthropicRequest,
  parseResponse: parseAnthropicResponse,
  createStreamState: createAnthropicStreamState,
  parseStreamFrame: parseAnthropicStreamFrame,
  mapError: mapAnthropicError,
};
