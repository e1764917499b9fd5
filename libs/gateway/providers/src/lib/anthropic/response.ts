import type { AnthropicMessage, AnthropicStopReason, AnthropicUsage, OpenAiToolCall } from '@sluice/contracts';
import { isRecord, ProviderResponseError } from '../errors';
import type { CanonicalResponse, FinishReason } from '../types';

const FINISH_REASONS: Record<AnthropicStopReason, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

export function finishReasonOf(stopReason: AnthropicStopReason | null): FinishReason {
  return stopReason === null ? 'stop' : (FINISH_REASONS[stopReason] ?? 'stop');
}

/** OpenAI counts cached prompt tokens in `prompt_tokens`; Anthropic reports them apart. */
export function promptTokensOf(usage: AnthropicUsage): number {
  return usage.input_tokens + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0);
}

/** Messages response → `chat.completion`: text blocks joined, tool_use blocks as tool calls. */
export function parseAnthropicResponse(json: unknown): CanonicalResponse {
  if (!isRecord(json) || json['type'] !== 'message' || !Array.isArray(json['content']) || !isRecord(json['usage'])) {
    throw new ProviderResponseError('The provider answered with something other than a message');
  }
  const message = json as unknown as AnthropicMessage;
  let text: string | null = null;
  const toolCalls: OpenAiToolCall[] = [];
  for (const block of message.content) {
    if (block.type === 'text') text = text === null ? block.text : text + block.text;
    else if (block.type === 'tool_use') {
      toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input) } });
    }
  }
  const promptTokens = promptTokensOf(message.usage);
  return {
    id: message.id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: message.model,
    choices: [
      {
        index: 0,
        message: toolCalls.length > 0 ? { role: 'assistant', content: text, tool_calls: toolCalls } : { role: 'assistant', content: text ?? '' },
        finish_reason: finishReasonOf(message.stop_reason),
      },
    ],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: message.usage.output_tokens,
      total_tokens: promptTokens + message.usage.output_tokens,
    },
  };
}
