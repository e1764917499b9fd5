import { clientWantsStreamUsage, openAiStreamError, OpenAiChunkWriter, OpenAiStreamPassThrough, withModelName } from '@sluice/gateway/providers';
import type { ResponseEdge } from '../inference/inference-request';

/** `/v1/chat/completions` clients get OpenAI's shapes back, with the model name they asked for. */
export const openAiEdge: ResponseEdge = {
  endpoint: 'chat_completions',
  streamWriter: (request, model) => new OpenAiChunkWriter({ includeUsage: clientWantsStreamUsage(request), model }),
  streamPassThrough: (request, model, upwireFormat) =>
    upwireFormat === 'openai' ? new OpenAiStreamPassThrough({ includeUsage: clientWantsStreamUsage(request), model }) : undefined,
  streamError: openAiStreamError,
  body: (completion, model) => ({ ...completion, model }),
  answerText: (text, completion, model, upstreamFormat) =>
    upstreamFormat === 'openai' && typeof completion.model === 'string' ? withModelName(text, completion.model, model) : undefined,
};
