/**
 * OpenAI Chat Completions wire shapes: the request, the `chat.completion`
 * response, the `chat.completion.chunk` stream payload and the error body.
 * Only the fields Sluice reads or writes are typed; requests may carry more,
 * which OpenAI-compatible upstreams receive untouched.
 */

export interface OpenAiTextPart {
  type: 'text';
  text: string;
}

export interface OpenAiImagePart {
  type: 'image_url';
  image_url: { url: string; detail?: 'auto' | 'low' | 'high' };
}

export interface OpenAiAudioPart {
  type: 'input_audio';
  input_audio: { data: string; format: string };
}

export interface OpenAiFilePart {
  type: 'file';
  file: { file_data?: string; file_id?: string; filename?: string };
}

export interface OpenAiRefusalPart {
  type: 'refusal';
  refusal: string;
}

export type OpenAiUserContentPart = OpenAiTextPart | OpenAiImagePart | OpenAiAudioPart | OpenAiFilePart;

export interface OpenAiToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface OpenAiSystemMessage {
  role: 'system';
  content: string | OpenAiTextPart[];
  name?: string;
}

/** The newer name of the system role, for reasoning models. */
export interface OpenAiDeveloperMessage {
  role: 'developer';
  content: string | OpenAiTextPart[];
  name?: string;
}

export interface OpenAiUserMessage {
  role: 'user';
  content: string | OpenAiUserContentPart[];
  name?: string;
}

export interface OpenAiAssistantMessage {
  role: 'assistant';
  content?: string | (OpenAiTextPart | OpenAiRefusalPart)[] | null;
  refusal?: string | null;
  tool_calls?: OpenAiToolCall[];
  name?: string;
}

export interface OpenAiToolMessage {
  role: 'tool';
  content: string | OpenAiTextPart[];
  tool_call_id: string;
}

export type OpenAiMessage = OpenAiSystemMessage | OpenAiDeveloperMessage | OpenAiUserMessage | OpenAiAssistantMessage | OpenAiToolMessage;

export interface OpenAiFunctionTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean | null };
}

export type OpenAiToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

export type OpenAiResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; json_schema: { name: string; description?: string; schema?: Record<string, unknown>; strict?: boolean | null } };

export interface OpenAiChatRequest {
  model: string;
  messages: OpenAiMessage[];
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean } | null;
  tools?: OpenAiFunctionTool[];
  tool_choice?: OpenAiToolChoice;
  parallel_tool_calls?: boolean;
  response_format?: OpenAiResponseFormat;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  stop?: string | string[] | null;
  temperature?: number | null;
  top_p?: number | null;
  n?: number | null;
  seed?: number | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  user?: string;
}

export type OpenAiFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

export interface OpenAiUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
}

export interface OpenAiResponseMessage {
  role: 'assistant';
  content: string | null;
  refusal?: string | null;
  tool_calls?: OpenAiToolCall[];
}

export interface OpenAiChoice {
  index: number;
  message: OpenAiResponseMessage;
  logprobs?: unknown;
  finish_reason: OpenAiFinishReason | null;
}

export interface OpenAiChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: OpenAiChoice[];
  usage?: OpenAiUsage;
  system_fingerprint?: string | null;
}

export interface OpenAiToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

export interface OpenAiChunkDelta {
  role?: 'assistant';
  content?: string | null;
  refusal?: string | null;
  tool_calls?: OpenAiToolCallDelta[];
}

export interface OpenAiChunkChoice {
  index: number;
  delta: OpenAiChunkDelta;
  logprobs?: unknown;
  finish_reason: OpenAiFinishReason | null;
}

export interface OpenAiChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: OpenAiChunkChoice[];
  /** Only with `stream_options.include_usage`: null on every chunk but the last, which has no choices. */
  usage?: OpenAiUsage | null;
  system_fingerprint?: string | null;
}

export interface OpenAiErrorBody {
  error: { message: string; type?: string | null; param?: string | null; code?: string | number | null };
}
