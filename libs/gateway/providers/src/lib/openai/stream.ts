import type { OpenAiChatCompletionChunk, OpenAiChunkChoice, OpenAiFinishReason } from '@sluice/contracts';
import { codeForStreamErrorType, isRecord, malformedFrameEvent } from '../errors';
import type { SseFrame } from '../sse/sse-frame';
import type { FinishReason, NormalizedEvent } from '../types';

export interface OpenAiStreamState {
  started: boolean;
}

const DONE: NormalizedEvent = Object.freeze({ type: 'done' });
const MALFORMED = Object.freeze(malformedFrameEvent('OpenAI-compatible'));
const FINISH_REASONS: Record<OpenAiFinishReason, FinishReason> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  content_filter: 'content_filter',
  function_call: 'tool_calls',
};

export function createOpenAiStreamState(): OpenAiStreamState {
  return { started: false };
}

export function parseOpenAiStreamFrame(frame: SseFrame, state: OpenAiStreamState): NormalizedEvent[] {
  const data = frame.data;
  if (data === '[DONE]') return [DONE];
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return [MALFORMED];
  }
  if (!isRecord(json)) return [MALFORMED];
  if (json['error'] !== undefined) return [openAiInStreamError(json['error'])];
  if (!Array.isArray(json['choices'])) return [MALFORMED];
  const chunk = json as unknown as OpenAiChatCompletionChunk;
  const events: NormalizedEvent[] = [];
  const usage = chunk.usage;
  // Azure opens with a choice-less chunk of prompt filter results and an empty id: not the start.
  if (!state.started && (chunk.choices.length > 0 || usage)) {
    state.started = true;
    events.push({ type: 'start', id: chunk.id, model: chunk.model });
  }
  for (const choice of chunk.choices) pushChoiceEvents(choice, events);
  if (usage) events.push({ type: 'usage', prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens });
  return events;
}

function pushChoiceEvents(choice: OpenAiChunkChoice, events: NormalizedEvent[]): void {
  const index = choice.index ?? 0;
  const delta = choice.delta;
  if (delta) {
    if (typeof delta.content === 'string' && delta.content !== '') events.push({ type: 'text_delta', index, text: delta.content });
    if (delta.tool_calls) {
      for (const call of delta.tool_calls) {
        const event: NormalizedEvent = {
          type: 'tool_call_delta',
          index,
          tool_index: call.index ?? 0,
          arguments_delta: call.function?.arguments ?? '',
        };
        if (call.id) event.id = call.id;
        if (call.function?.name) event.name = call.function.name;
        events.push(event);
      }
    }
  }
  const finish = choice.finish_reason;
  if (finish) events.push({ type: 'finish', index, reason: FINISH_REASONS[finish] ?? 'stop' });
}

/** `{error: {message, type}}` from OpenAI and vLLM, `{error: "text"}` from Ollama. */
export function openAiInStreamError(error: unknown): Extract<NormalizedEvent, { type: 'error' }> {
  if (typeof error === 'string') return { type: 'error', code: 'provider_error', message: error };
  const detail = isRecord(error) ? error : {};
  const message = typeof detail['message'] === 'string' ? detail['message'] : 'The provider reported an error mid-stream';
  const type = typeof detail['type'] === 'string' ? detail['type'] : undefined;
  return { type: 'error', code: codeForStreamErrorType(type), message };
}
