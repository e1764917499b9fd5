import { completionText, tokenText, TOOL_ARGUMENT_PIECES, type Completion, type Finish } from './completion';
import { findMarker, splitModel, type Directives } from './directives';
import { anthropicErrorBody } from './errors';
import { nextId } from './ids';
import { PromptStats } from './prompt';
import { isObject, InvalidRequest, optionalPositiveInteger, truncatedJson, type GenerationRequest, type Provider } from './provider';
import { FrameList } from './sse';

const STOP_REASONS: Record<Finish, string> = { stop: 'end_turn', length: 'max_tokens', tool: 'tool_use' };
const TOOL_INPUT = { query: 'mock' };
const PING_FRAME = frame('ping', JSON.stringify({ type: 'ping' }));
const BLOCK_STOP_FRAME = frame('content_block_stop', JSON.stringify({ type: 'content_block_stop', index: 0 }));
const MESSAGE_STOP_FRAME = frame('message_stop', JSON.stringify({ type: 'message_stop' }));
const STREAM_ERROR_FRAME = frame(
  'error',
  JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded (injected by the stream_error directive)' } }),
);

interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: 0;
  cache_read_input_tokens: 0;
}

type ContentBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, string> };

export const anthropicProvider: Provider = {
  invalidJsonMessage: 'There was an issue with the request body: it is not valid JSON.',
  parse: parseMessagesRequest,
  errorBody: anthropicErrorBody,
  json: messageJson,
  frames: messageFrames,
};

function parseMessagesRequest(body: Record<string, unknown>): GenerationRequest {
  const { model, messages } = body;
  if (typeof model !== 'string' || model === '') throw new InvalidRequest('model: Field required');
  if (!Array.isArray(messages)) throw new InvalidRequest('messages: Field required');
  if (body['max_tokens'] === undefined) throw new InvalidRequest('max_tokens: Field required');
  const maxTokens = maxTokensOf(body);
  const stats = new PromptStats();
  stats.addContent(body['system']);
  let lastUserContent: unknown;
  for (const message of messages) {
    if (!isObject(message)) throw new InvalidRequest('messages: every message must be an object');
    stats.addContent(message['content']);
    stats.endMessage();
    if (message['role'] === 'user') lastUserContent = message['content'];
  }
  const { model: echoed, spec } = splitModel(model);
  return {
    model: echoed,
    modelDirectives: spec,
    markerDirectives: findMarker(lastUserContent),
    stream: body['stream'] === true,
    includeUsage: false,
    maxTokens,
    toolName: firstToolName(body['tools']),
    promptTokens: stats.tokens,
    promptHash: stats.hash,
  };
}

function maxTokensOf(body: Record<string, unknown>): number | undefined {
  try {
    return optionalPositiveInteger(body, 'max_tokens');
  } catch {
    throw new InvalidRequest('max_tokens: Input should be a valid integer greater than or equal to 1');
  }
}

/** `tools: [{ name, input_schema }]` */
function firstToolName(tools: unknown): string | undefined {
  if (!Array.isArray(tools) || !isObject(tools[0])) return undefined;
  const name = tools[0]['name'];
  return typeof name === 'string' ? name : undefined;
}

function messageJson(request: GenerationRequest, completion: Completion): string {
  const toolName = completion.toolName;
  const block: ContentBlock =
    toolName === undefined
      ? { type: 'text', text: completionText(completion) }
      : { type: 'tool_use', id: nextId('toolu_mock_'), name: toolName, input: TOOL_INPUT };
  return JSON.stringify({
    id: nextId('msg_mock_'),
    type: 'message',
    role: 'assistant',
    model: request.model,
    content: [block],
    stop_reason: STOP_REASONS[completion.finish],
    stop_sequence: null,
    usage: usageOf(request.promptTokens, completion.count),
  });
}

function messageFrames(request: GenerationRequest, completion: Completion, directives: Readonly<Directives>): FrameList {
  const list = new FrameList(directives.dropAfter);
  const toolName = completion.toolName;
  const message = {
    id: nextId('msg_mock_'),
    type: 'message',
    role: 'assistant',
    model: request.model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: usageOf(request.promptTokens, 1),
  };
  list.push(frame('message_start', JSON.stringify({ type: 'message_start', message })));
  const block: ContentBlock =
    toolName === undefined ? { type: 'text', text: '' } : { type: 'tool_use', id: nextId('toolu_mock_'), name: toolName, input: {} };
  list.push(frame('content_block_start', JSON.stringify({ type: 'content_block_start', index: 0, content_block: block })));
  list.push(PING_FRAME);
  list.beginContent();
  const invalidJson = directives.invalidJson === true;
  if (toolName === undefined) {
    for (let i = 0; i < completion.count; i++) {
      pushDelta(list, { type: 'text_delta', text: tokenText(completion, i) }, i === 0 && invalidJson);
    }
  } else {
    for (let i = 0; i < TOOL_ARGUMENT_PIECES.length; i++) {
      pushDelta(list, { type: 'input_json_delta', partial_json: TOOL_ARGUMENT_PIECES[i] }, i === 0 && invalidJson);
    }
  }
  list.endContent();
  if (directives.streamError) {
    list.push(STREAM_ERROR_FRAME);
    return list;
  }
  list.push(BLOCK_STOP_FRAME);
  const messageDelta = {
    type: 'message_delta',
    delta: { stop_reason: STOP_REASONS[completion.finish], stop_sequence: null },
    usage: { output_tokens: completion.count },
  };
  list.push(frame('message_delta', JSON.stringify(messageDelta)));
  list.push(MESSAGE_STOP_FRAME);
  return list;
}

/** A `content_block_delta` frame, followed by a malformed copy of it when `invalid_json` asks for one. */
function pushDelta(list: FrameList, delta: object, thenInvalid: boolean): void {
  const json = JSON.stringify({ type: 'content_block_delta', index: 0, delta });
  list.pushContent(frame('content_block_delta', json));
  if (thenInvalid) list.push(frame('content_block_delta', truncatedJson(json)));
}

function usageOf(inputTokens: number, outputTokens: number): Usage {
  return { input_tokens: inputTokens, output_tokens: outputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
}

function frame(event: string, json: string): string {
  return `event: ${event}\ndata: ${json}\n\n`;
}
