import type { AnthropicStopReason } from '@sluice/contracts';
import type { FinishReason } from '../types';

/** OpenAI's `stop` covers both a natural end and a stop sequence; Anthropic clients get `end_turn`. */
export const STOP_REASONS: Readonly<Record<FinishReason, AnthropicStopReason>> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  content_filter: 'refusal',
};
