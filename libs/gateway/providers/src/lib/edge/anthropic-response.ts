import type { AnthropicMessage, AnthropicResponseBlock } from '@sluice/contracts';
import { parseToolArguments } from '../anthropic/content';
import type { CanonicalResponse } from '../types';
import { STOP_REASONS } from './anthropic-stop-reason';

/** The canonical response → a Messages response for `/v1/messages` clients (first choice only). */
export function toMessagesResponse(response: CanonicalResponse, options: { model?: string } = {}): AnthropicMessage {
  const choice = response.choices[0];
  const content: AnthropicResponseBlock[] = [];
  const text = choice?.message.content;
  if (typeof text === 'string' && text !== '') content.push({ type: 'text', text });
  for (const call of choice?.message.tool_calls ?? []) {
    content.push({ type: 'tool_use', id: call.id, name: call.function.name, input: parseToolArguments(call.function.arguments) });
  }
  const usage = response.usage;
  return {
    id: response.id,
    type: 'message',
    role: 'assistant',
    model: options.model ?? response.model,
    content,
    stop_reason: STOP_REASONS[normalisedFinish(choice?.finish_reason)],
    stop_sequence: null,
    usage: { input_tokens: usage?.prompt_tokens ?? 0, output_tokens: usage?.completion_tokens ?? 0 },
  };
}

function normalisedFinish(reason: string | null | undefined): keyof typeof STOP_REASONS {
  switch (reason) {
    case 'length':
    case 'tool_calls':
    case 'content_filter':
      return reason;
    case 'function_call':
      return 'tool_calls';
    default:
      return 'stop';
  }
}
