import { clientWantsStreamUsage, openAiStreamError, OpenAiChunkWriter } from '@sluice/gateway/providers';
import type { ResponseEdge } from '../inference/inference-request';

/** `/v1/chat/completions` clients get OpenAI's shapes back, with the model name they asked for. */
export const openAiEdge: ResponseEdge = {
  endpoint: 'chat_completions',
  streamWriter: (request, model) => new OpenAiChunkWriter({ includeUsage: clientWantsStreamUsage(request), model }),
  streamError: openAiStreamError,
  body: (completion, model) => ({ ...completion, model }),
};
