import { completionText, tokenText, TOOL_ARGUMENT_PIECES, TOOL_ARGUMENTS, type Completion, type Finish } from './completion';
import { findMarker, splitModel, type Directives } from './directives';
import { openAiErrorBody } from './errors';
import { epochSeconds, nextId } from './ids';
import { PromptStats } from './prompt';
import { isObject, InvalidRequest, optionalPositiveInteger, truncatedJson, type GenerationRequest, type Provider } from './provider';
import { FrameList } from './sse';

const FINGERPRINT = 'fp_mock';
const FINISH_REASONS: Record<Finish, string> = { stop: 'stop', length: 'length', tool: 'tool_calls' };
const DONE_FRAME = 'data: [DONE]\n\n';
const STREAM_ERROR_FRAME = frame(
  JSON.stringify({
    error: { message: 'Mock stream error injected by the stream_error directive', type: 'server_error', param: null, code: null },
  }),
);

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

interface AssistantMessage {
  role: 'assistant';
  content: string | null;
  refusal: null;
  tool_calls?: ToolCall[];
}

/** The fields every chunk of one stream repeats. */
interface StreamBase {
  id: string;
  created: number;
  model: string;
  includeUsage: boolean;
}

interface ChunkPayload {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  system_fingerprint: string;
  choices: { index: 0; delta: object; logprobs: null; finish_reason: string | null }[];
  usage?: null;
}

export const openAiProvider: Provider = {
  invalidJsonMessage: 'We could not parse the JSON body of your request. The OpenAI API expects a JSON payload.',
  parse: parseChatRequest,
  errorBody: openAiErrorBody,
  json: chatCompletionJson,
  frames: chatCompletionFrames,
};

function parseChatRequest(body: Record<string, unknown>): GenerationRequest {
  const { model, messages } = body;
  if (typeof model !== 'string' || model === '') throw new InvalidRequest("Missing required parameter: 'model'.", 'model');
  if (!Array.isArray(messages)) throw new InvalidRequest("Missing required parameter: 'messages'.", 'messages');
  const stats = new PromptStats();
  let lastUserContent: unknown;
  for (const message of messages) {
    if (!isObject(message)) throw new InvalidRequest("Invalid 'messages': every message must be an object.", 'messages');
    stats.addContent(message['content']);
    stats.endMessage();
    if (message['role'] === 'user') lastUserContent = message['content'];
  }
  const { model: echoed, spec } = splitModel(model);
  const streamOptions = body['stream_options'];
  return {
    model: echoed,
    modelDirectives: spec,
    markerDirectives: findMarker(lastUserContent),
    stream: body['stream'] === true,
    includeUsage: isObject(streamOptions) && streamOptions['include_usage'] === true,
    maxTokens: optionalPositiveInteger(body, 'max_completion_tokens') ?? optionalPositiveInteger(body, 'max_tokens'),
    toolName: firstToolName(body['tools']),
    promptTokens: stats.tokens,
    promptHash: stats.hash,
  };
}

/** `tools: [{ type: "function", function: { name } }]` */
function firstToolName(tools: unknown): string | undefined {
  if (!Array.isArray(tools) || !isObject(tools[0])) return undefined;
  const fn = tools[0]['function'];
  return isObject(fn) && typeof fn['name'] === 'string' ? fn['name'] : undefined;
}

function chatCompletionJson(request: GenerationRequest, completion: Completion): string {
  const toolName = completion.toolName;
  const message: AssistantMessage = {
    role: 'assistant',
    content: toolName === undefined ? completionText(completion) : null,
    refusal: null,
  };
  if (toolName !== undefined) {
    message.tool_calls = [{ id: nextId('call_mock_'), type: 'function', function: { name: toolName, arguments: TOOL_ARGUMENTS } }];
  }
  return JSON.stringify({
    id: nextId('chatcmpl-mock-'),
    object: 'chat.completion',
    created: epochSeconds(),
    model: request.model,
    system_fingerprint: FINGERPRINT,
    choices: [{ index: 0, message, logprobs: null, finish_reason: FINISH_REASONS[completion.finish] }],
    usage: usageOf(request, completion),
  });
}

function chatCompletionFrames(request: GenerationRequest, completion: Completion, directives: Readonly<Directives>): FrameList {
  const base: StreamBase = {
    id: nextId('chatcmpl-mock-'),
    created: epochSeconds(),
    model: request.model,
    includeUsage: request.includeUsage,
  };
  const list = new FrameList(directives.dropAfter);
  const toolName = completion.toolName;
  list.push(frame(chunkJson(base, { role: 'assistant', content: toolName === undefined ? '' : null }, null)));
  list.beginContent();
  if (toolName === undefined) {
    for (let i = 0; i < completion.count; i++) {
      pushContent(list, chunkJson(base, { content: tokenText(completion, i) }, null), i === 0 && directives.invalidJson === true);
    }
  } else {
    const call = { index: 0, id: nextId('call_mock_'), type: 'function', function: { name: toolName, arguments: '' } };
    list.push(frame(chunkJson(base, { tool_calls: [call] }, null)));
    for (let i = 0; i < TOOL_ARGUMENT_PIECES.length; i++) {
      const delta = { tool_calls: [{ index: 0, function: { arguments: TOOL_ARGUMENT_PIECES[i] } }] };
      pushContent(list, chunkJson(base, delta, null), i === 0 && directives.invalidJson === true);
    }
  }
  list.endContent();
  if (directives.streamError) {
    list.push(STREAM_ERROR_FRAME);
    return list;
  }
  list.push(frame(chunkJson(base, {}, FINISH_REASONS[completion.finish])));
  if (request.includeUsage) {
    list.push(
      frame(
        JSON.stringify({
          id: base.id,
          object: 'chat.completion.chunk',
          created: base.created,
          model: base.model,
          system_fingerprint: FINGERPRINT,
          choices: [],
          usage: usageOf(request, completion),
        }),
      ),
    );
  }
  list.push(DONE_FRAME);
  return list;
}

/** A content frame, followed by a malformed copy of it when `invalid_json` asks for one. */
function pushContent(list: FrameList, json: string, thenInvalid: boolean): void {
  list.pushContent(frame(json));
  if (thenInvalid) list.push(frame(truncatedJson(json)));
}

function chunkJson(base: StreamBase, delta: object, finishReason: string | null): string {
  const payload: ChunkPayload = {
    id: base.id,
    object: 'chat.completion.chunk',
    created: base.created,
    model: base.model,
    system_fingerprint: FINGERPRINT,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
  if (base.includeUsage) payload.usage = null;
  return JSON.stringify(payload);
}

function usageOf(request: GenerationRequest, completion: Completion): Usage {
  return {
    prompt_tokens: request.promptTokens,
    completion_tokens: completion.count,
    total_tokens: request.promptTokens + completion.count,
  };
}

function frame(json: string): string {
  return `data: ${json}\n\n`;
}
