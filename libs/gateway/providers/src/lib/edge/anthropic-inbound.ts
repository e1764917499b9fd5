import type {
  AnthropicContentBlockParam,
  AnthropicImageBlock,
  AnthropicMessageParam,
  AnthropicMessagesRequest,
  AnthropicTextBlock,
  AnthropicToolChoice,
  AnthropicToolResultBlock,
  OpenAiMessage,
  OpenAiToolCall,
  OpenAiToolChoice,
  OpenAiUserContentPart,
} from '@sluice/contracts';
import type { CanonicalRequest } from '../types';

/**
 * An inbound `/v1/messages` request → the canonical request. Tool results
 * become `tool` messages placed before the rest of their user turn, as Chat
 * Completions wants them right after the assistant's tool calls. `top_k` has
 * no equivalent and is dropped.
 */
export function fromMessagesRequest(request: AnthropicMessagesRequest): CanonicalRequest {
  const messages: OpenAiMessage[] = [];
  if (request.system !== undefined) {
    const system = typeof request.system === 'string' ? request.system : joinText(request.system);
    if (system !== '') messages.push({ role: 'system', content: system });
  }
  for (const message of request.messages) appendMessage(messages, message);
  const canonical: CanonicalRequest = { model: request.model, messages, max_tokens: request.max_tokens };
  if (request.stream === true) canonical.stream = true;
  if (request.stop_sequences !== undefined && request.stop_sequences.length > 0) canonical.stop = request.stop_sequences;
  if (request.temperature !== undefined) canonical.temperature = request.temperature;
  if (request.top_p !== undefined) canonical.top_p = request.top_p;
  if (typeof request.metadata?.user_id === 'string') canonical.user = request.metadata.user_id;
  if (request.tools !== undefined && request.tools.length > 0) {
    canonical.tools = request.tools.map((tool) => ({
      type: 'function',
      function: {
        name: tool.name,
        ...(tool.description !== undefined ? { description: tool.description } : {}),
        parameters: tool.input_schema,
      },
    }));
  }
  if (request.tool_choice !== undefined) {
    canonical.tool_choice = toolChoiceOf(request.tool_choice);
    if ('disable_parallel_tool_use' in request.tool_choice && request.tool_choice.disable_parallel_tool_use === true) {
      canonical.parallel_tool_calls = false;
    }
  }
  return canonical;
}

function appendMessage(messages: OpenAiMessage[], message: AnthropicMessageParam): void {
  const content = message.content;
  if (message.role === 'assistant') {
    messages.push(typeof content === 'string' ? { role: 'assistant', content } : assistantMessage(content));
    return;
  }
  if (typeof content === 'string') {
    messages.push({ role: 'user', content });
    return;
  }
  const parts: OpenAiUserContentPart[] = [];
  for (const block of content) {
    if (block.type === 'tool_result') messages.push(toolMessage(block));
    else if (block.type === 'text') parts.push({ type: 'text', text: block.text });
    else if (block.type === 'image') parts.push(imagePart(block));
  }
  if (parts.length === 0) return;
  messages.push({ role: 'user', content: parts.length === 1 && parts[0].type === 'text' ? parts[0].text : parts });
}

function assistantMessage(blocks: AnthropicContentBlockParam[]): OpenAiMessage {
  let text = '';
  const toolCalls: OpenAiToolCall[] = [];
  for (const block of blocks) {
    if (block.type === 'text') text += block.text;
    else if (block.type === 'tool_use') {
      toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input) } });
    }
  }
  if (toolCalls.length === 0) return { role: 'assistant', content: text };
  return { role: 'assistant', content: text === '' ? null : text, tool_calls: toolCalls };
}

/** Chat Completions tool results are text; images in them have no place and are dropped. */
function toolMessage(block: AnthropicToolResultBlock): OpenAiMessage {
  const content = block.content === undefined ? '' : typeof block.content === 'string' ? block.content : joinText(block.content);
  return { role: 'tool', tool_call_id: block.tool_use_id, content };
}

function imagePart(block: AnthropicImageBlock): OpenAiUserContentPart {
  const source = block.source;
  const url = source.type === 'base64' ? `data:${source.media_type};base64,${source.data}` : source.url;
  return { type: 'image_url', image_url: { url } };
}

function joinText(blocks: (AnthropicTextBlock | AnthropicImageBlock)[]): string {
  let text = '';
  for (const block of blocks) if (block.type === 'text') text += text === '' ? block.text : `\n${block.text}`;
  return text;
}

function toolChoiceOf(choice: AnthropicToolChoice): OpenAiToolChoice {
  switch (choice.type) {
    case 'auto':
      return 'auto';
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool':
      return { type: 'function', function: { name: choice.name } };
  }
}
