import type { AnthropicStreamEvent } from '@sluice/contracts';
import { codeForStreamErrorType, isRecord, malformedFrameEvent } from '../errors';
import type { SseFrame } from '../sse/sse-frame';
import type { NormalizedEvent } from '../types';
import { finishReasonOf, promptTokensOf } from './response';

export interface AnthropicStreamState {
  promptTokens: number;
  /** Content block index → tool call index, -1 for blocks that are not tool calls. */
  toolIndexByBlock: number[];
  toolCount: number;
}

const NONE: NormalizedEvent[] = [];
const DONE: NormalizedEvent = Object.freeze({ type: 'done' });
const MALFORMED = Object.freeze(malformedFrameEvent('Anthropic'));

export function createAnthropicStreamState(): AnthropicStreamState {
  return { promptTokens: 0, toolIndexByBlock: [], toolCount: 0 };
}

/** Messages stream events → normalised events; the event type is read from the data, which always repeats it. */
export function parseAnthropicStreamFrame(frame: SseFrame, state: AnthropicStreamState): NormalizedEvent[] {
  let json: unknown;
  try {
    json = JSON.parse(frame.data);
  } catch {
    return [MALFORMED];
  }
  if (!isRecord(json) || typeof json['type'] !== 'string') return [MALFORMED];
  const event = json as unknown as AnthropicStreamEvent;
  switch (event.type) {
    case 'message_start': {
      const usage = event.message.usage;
      state.promptTokens = promptTokensOf(usage);
      return [
        { type: 'start', id: event.message.id, model: event.message.model },
        { type: 'usage', prompt_tokens: state.promptTokens, completion_tokens: usage.output_tokens },
      ];
    }
    case 'content_block_start': {
      const block = event.content_block;
      if (block.type === 'tool_use') {
        const toolIndex = state.toolCount++;
        state.toolIndexByBlock[event.index] = toolIndex;
        return [{ type: 'tool_call_delta', index: 0, tool_index: toolIndex, id: block.id, name: block.name, arguments_delta: '' }];
      }
      state.toolIndexByBlock[event.index] = -1;
      return block.type === 'text' && block.text !== '' ? [{ type: 'text_delta', index: 0, text: block.text }] : NONE;
    }
    case 'content_block_delta': {
      const delta = event.delta;
      if (delta.type === 'text_delta') return [{ type: 'text_delta', index: 0, text: delta.text }];
      if (delta.type === 'input_json_delta') {
        const toolIndex = state.toolIndexByBlock[event.index];
        if (toolIndex === undefined || toolIndex < 0) return [MALFORMED];
        return [{ type: 'tool_call_delta', index: 0, tool_index: toolIndex, arguments_delta: delta.partial_json }];
      }
      return NONE; // thinking and citations are not translated
    }
    case 'message_delta': {
      const usage = event.usage;
      if (typeof usage.input_tokens === 'number') state.promptTokens = usage.input_tokens;
      const events: NormalizedEvent[] = [];
      if (event.delta.stop_reason) events.push({ type: 'finish', index: 0, reason: finishReasonOf(event.delta.stop_reason) });
      events.push({ type: 'usage', prompt_tokens: state.promptTokens, completion_tokens: usage.output_tokens });
      return events;
    }
    case 'message_stop':
      return [DONE];
    case 'error': {
      const error = isRecord(event.error) ? event.error : undefined;
      const message = typeof error?.message === 'string' ? error.message : 'The provider reported an error mid-stream';
      return [{ type: 'error', code: codeForStreamErrorType(error?.type), message }];
    }
    default:
      return NONE; // content_block_stop, ping, and event types added after this adapter
  }
}
