import type { DeploymentRecord, ErrorCode, OpenAiChatCompletion, OpenAiChatRequest, ProviderKind } from '@sluice/contracts';
import type { SseFrame } from './sse/sse-frame';

/** What the gateway's two inbound APIs are translated into: an OpenAI Chat Completions request. */
export type CanonicalRequest = OpenAiChatRequest;

/** Every adapter answers a non-streamed request as an OpenAI `chat.completion`, usage included when known. */
export type CanonicalResponse = OpenAiChatCompletion;

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

/**
 * A provider's stream, normalised. `index` is the choice; `tool_index` the
 * tool call within it. A `tool_call_delta` with an `id` opens a call.
 * `usage` is cumulative: the last one seen is the stream's usage.
 */
export type NormalizedEvent =
  | { type: 'start'; id: string; model: string }
  | { type: 'text_delta'; index: number; text: string }
  | { type: 'tool_call_delta'; index: number; tool_index: number; id?: string; name?: string; arguments_delta: string }
  | { type: 'finish'; index: number; reason: FinishReason }
  | { type: 'usage'; prompt_tokens: number; completion_tokens: number }
  | { type: 'error'; code: ErrorCode; message: string }
  | { type: 'done' };

/** The HTTP request to send upstream; the body is serialised once, here. */
export interface UpstreamRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface BuildOptions {
  stream: boolean;
  /** For providers that require `max_tokens` when the client gave none (the model's `max_output_tokens`). */
  defaultMaxTokens?: number;
}

export interface MappedError {
  code: ErrorCode;
  message: string;
  /** Worth trying again or on another deployment: 408, 429 and 5xx. */
  retryable: boolean;
}

/** A provider's wire format: OpenAI's Chat Completions (`chat.completion`, `chat.completion.chunk` events) or Anthropic's Messages. */
export type WireFormat = 'openai' | 'anthropic';

export interface StreamUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

/**
 * A stream relayed as the upstream's bytes, when the client speaks the
 * upstream's format: fed each chunk, it answers what to write and keeps
 * what metering needs.
 */
export interface StreamPassThrough {
  /** `done` after the terminator, `failed` after it wrote an `error` event; nothing is taken after either. */
  readonly state: 'open' | 'done' | 'failed';
  /** The last usage the provider reported. */
  readonly usage: StreamUsage | undefined;
  /** Characters of generated text and tool calls: the basis of an estimate when the provider reports no usage. */
  readonly generatedCharacters: number;
  /** Whether any text or tool call has been seen (the first token's time). */
  readonly contentSeen: boolean;
  /** The bytes to write for one upstream chunk, or undefined. */
  push(chunk: Uint8Array): Buffer | undefined;
  /** What the upstream's end completes (an event without its closing blank line), or undefined. */
  end(): Buffer | undefined;
}

/**
 * One provider's wire format. Pure transforms: the gateway's upstream layer
 * sends the request and feeds back what came in.
 */
export interface ProviderAdapter<State = unknown> {
  readonly kind: ProviderKind;
  readonly wireFormat: WireFormat;
  buildRequest(request: CanonicalRequest, deployment: DeploymentRecord, credential: string | null, options: BuildOptions): UpstreamRequest;
  /** Throws a `ProviderResponseError` when the body is not a response of this provider. */
  parseResponse(json: unknown): CanonicalResponse;
  createStreamState(): State;
  /** Each frame's data is parsed exactly once, here. */
  parseStreamFrame(frame: SseFrame, state: State): NormalizedEvent[];
  mapError(status: number, bodyText: string): MappedError;
}
