import type { CanonicalRequest } from '@sluice/gateway/providers';
import type { ModelRecord, OpenAiMessage } from '@sluice/contracts';
import { SluiceException } from '@sluice/platform';

/** About four characters per token for English text with BPE tokenizers; cheap and deliberately rough. */
const CHARACTERS_PER_TOKEN = 4;
/** Role markers and separators each message costs in chat formats. */
const TOKENS_PER_MESSAGE = 4;

/**
 * A tokenizer-free estimate of the prompt: characters / 4 over message text,
 * tool calls and tool definitions. It sizes the admission reservation and
 * stands in for usage only when the provider reports none (marked `estimated`).
 */
export function estimatePromptTokens(request: CanonicalRequest): number {
  let characters = 0;
  for (const message of request.messages) characters += messageCharacters(message);
  if (request.tools !== undefined && request.tools.length > 0) characters += JSON.stringify(request.tools).length;
  return Math.ceil(characters / CHARACTERS_PER_TOKEN) + TOKENS_PER_MESSAGE * request.messages.length;
}

/** Tokens of generated text by the same rule, for streams whose provider reports no usage. */
export function estimateTextTokens(characters: number): number {
  return Math.ceil(characters / CHARACTERS_PER_TOKEN);
}

/**
 * The completion budget to reserve: what the client asked for, or the model's
 * maximum when it asked for nothing. Asking for more than the model can
 * produce is a 400, as providers answer it.
 */
export function completionTokenBudget(request: CanonicalRequest, model: ModelRecord): number {
  const field = request.max_completion_tokens !== undefined ? 'max_completion_tokens' : 'max_tokens';
  const requested = request[field] ?? null;
  const modelMax = model.max_output_tokens > 0 ? model.max_output_tokens : null;
  if (requested === null) return modelMax ?? 0;
  if (modelMax !== null && requested > modelMax) {
    const problem = `must be at most ${modelMax}, the most ${model.id} can generate`;
    throw new SluiceException('validation_error', `${field} is too large: ${requested}; ${model.id} supports at most ${modelMax} completion tokens`, { [field]: [problem] }, field);
  }
  return requested;
}

function messageCharacters(message: OpenAiMessage): number {
  let characters = 0;
  const content = message.content;
  if (typeof content === 'string') characters += content.length;
  else if (Array.isArray(content)) {
    for (const part of content) if (part.type === 'text' && typeof part.text === 'string') characters += part.text.length;
  }
  if (message.role === 'assistant' && Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls) characters += String(call.function?.name ?? '').length + String(call.function?.arguments ?? '').length;
  }
  return characters;
}
