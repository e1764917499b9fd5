import { anthropicStreamError, AnthropicEventWriter, toMessagesResponse } from '@sluice/gateway/providers';
import type { ResponseEdge } from '../inference/inference-request';

/** `/v1/messages` clients get the Messages API's shapes, whatever provider answered. */
export const anthropicEdge: ResponseEdge = {
  endpoint: 'messages',
  streamWriter: (_request, model) => new AnthropicEventWriter({ model }),
  streamError: anthropicStreamError,
  body: (completion, model) => toMessagesResponse(completion, { model }),
};
