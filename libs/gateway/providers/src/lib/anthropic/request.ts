import type {
  AnthropicContentBlockParam,
  AnthropicMessageParam,
  AnthropicMessagesRequest,
  AnthropicTextBlock,
  AnthropicToolChoice,
  DeploymentRecord,
  OpenAiAssistantMessage,
  OpenAiChatRequest,
  OpenAiMessage,
} from '@sluice/contracts';
import type { BuildOptions, CanonicalRequest, UpstreamRequest } from '../types';
import { anthropicHeaders, messagesUrl } from './api';
import { parseToolArguments, textOf, userBlocks } from './content';

/** Used when neither the client nor the catalog gives `max_tokens`, which Messages requires. */
export const DEFAULT_ANTHROPIC_MAX_TOKENS = 4096;
/** Anthropic's temperature range is 0..1, OpenAI's 0..2. */
const MAX_TEMPERATURE = 1;

export function buildAnthropicRequest(
  request: CanonicalRequest,
  deployment: DeploymentRecord,
  credential: string | null,
  options: BuildOptions,
): UpstreamRequest {
  const body = toMessagesRequest(request, deployment.upstream_model, options.defaultMaxTokens ?? DEFAULT_ANTHROPIC_MAX_TOKENS);
  if (options.stream) body.stream = true;
  return { url: messagesUrl(deployment), headers: anthropicHeaders(credential), body: JSON.stringify(body) };
}

/**
 * Chat Completions → Messages. System and developer messages are hoisted into
 * `system`; tool results become `tool_result` blocks of a user turn; turns of
 * the same role are merged, since Messages requires them to alternate.
 * `response_format`, `n`, `seed` and the penalties have no equivalent and are dropped.
 */
export function toMessagesRequest(request: OpenAiChatRequest, model: string, defaultMaxTokens: number): AnthropicMessagesRequest {
  const system: AnthropicTextBlock[] = [];
  const messages: AnthropicMessageParam[] = [];
  for (const message of request.messages) {
    if (message.role === 'system' || message.role === 'developer') {
      system.push({ type: 'text', text: textOf(message.content) });
      continue;
    }
    appendTurn(messages, message.role === 'assistant' ? 'assistant' : 'user', blocksOf(message));
  }
  const body: AnthropicMessagesRequest = {
    model,
    messages,
    max_tokens: request.max_completion_tokens ?? request.max_tokens ?? defaultMaxTokens,
  };
  if (system.length > 0) body.system = system;
  if (request.stop !== undefined && request.stop !== null) body.stop_sequences = typeof request.stop === 'string' ? [request.stop] : request.stop;
  if (typeof request.temperature === 'number') body.temperature = Math.min(request.temperature, MAX_TEMPERATURE);
  if (typeof request.top_p === 'number') body.top_p = request.top_p;
  if (request.user !== undefined) body.metadata = { user_id: request.user };
  if (request.tools !== undefined && request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      name: tool.function.name,
      ...(tool.function.description !== undefined ? { description: tool.function.description } : {}),
      input_schema: tool.function.parameters ?? { type: 'object', properties: {} },
    }));
  }
  const toolChoice = toolChoiceOf(request);
  if (toolChoice !== undefined) body.tool_choice = toolChoice;
  return body;
}

function blocksOf(message: Exclude<OpenAiMessage, { role: 'system' | 'developer' }>): AnthropicContentBlockParam[] {
  switch (message.role) {
    case 'user':
      return userBlocks(message.content);
    case 'tool':
      return [{ type: 'tool_result', tool_use_id: message.tool_call_id, content: textOf(message.content) }];
    case 'assistant':
      return assistantBlocks(message);
  }
}

function assistantBlocks(message: OpenAiAssistantMessage): AnthropicContentBlockParam[] {
  const blocks: AnthropicContentBlockParam[] = [];
  const text = textOf(message.content);
  if (text !== '') blocks.push({ type: 'text', text });
  for (const call of message.tool_calls ?? []) {
    blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input: parseToolArguments(call.function.arguments) });
  }
  return blocks;
}

function appendTurn(messages: AnthropicMessageParam[], role: 'user' | 'assistant', blocks: AnthropicContentBlockParam[]): void {
  if (blocks.length === 0) return; // Messages refuses empty turns
  const last = messages[messages.length - 1];
  if (last !== undefined && last.role === role && Array.isArray(last.content)) last.content.push(...blocks);
  else messages.push({ role, content: blocks });
}

function toolChoiceOf(request: OpenAiChatRequest): AnthropicToolChoice | undefined {
  const choice = request.tool_choice;
  const disableParallel = request.parallel_tool_calls === false;
  let mapped: AnthropicToolChoice | undefined;
  if (choice === 'none') return { type: 'none' };
  if (choice === 'auto') mapped = { type: 'auto' };
  else if (choice === 'required') mapped = { type: 'any' };
  else if (choice !== undefined) mapped = { type: 'tool', name: choice.function.name };
  else if (disableParallel) mapped = { type: 'auto' };
  if (mapped !== undefined && disableParallel && mapped.type !== 'none') mapped.disable_parallel_tool_use = true;
  return mapped;
}
