import type { CanonicalRequest, NormalizedEvent } from '../types';
import { sseData } from '../sse/sse-serializer';
import { openAiStreamError } from './stream-errors';

const DONE_FRAME = 'data: [DONE]\n\n';

/** Upstreams are always asked for usage; the client gets the usage chunk only if it asked too. */
export function clientWantsStreamUsage(request: CanonicalRequest): boolean {
  return request.stream_options?.include_usage === true;
}

export interface OpenAiChunkWriterOptions {
  /** Whether to send the final usage chunk (see {@link clientWantsStreamUsage}). */
  includeUsage: boolean;
  /** The model name the client asked for; defaults to what the upstream reported. */
  model?: string;
  /** Defaults to the upstream's stream id. */
  id?: string;
  /** Epoch seconds; defaults to now. */
  created?: number;
}

/**
 * Normalised events → `chat.completion.chunk` SSE text for `/v1/chat/completions`
 * clients. Each chunk's constant head is serialised once per stream and only
 * the varying values go through `JSON.stringify`.
 */
export class OpenAiChunkWriter {
  private head: string | undefined;
  private promptTokens = -1;
  private completionTokens = 0;

  constructor(private readonly options: OpenAiChunkWriterOptions) {}

  /** The SSE text for one event, or '' when it writes nothing (usage waits for `done`). */
  write(event: NormalizedEvent): string {
    switch (event.type) {
      case 'start':
        this.head = chunkHead(this.options.id ?? event.id, this.options.model ?? event.model, this.options.created);
        return this.choice(0, '{"role":"assistant","content":""}', 'null');
      case 'text_delta':
        return this.choice(event.index, `{"content":${JSON.stringify(event.text)}}`, 'null');
      case 'tool_call_delta':
        return this.choice(event.index, `{"tool_calls":[${toolCallDelta(event)}]}`, 'null');
      case 'finish':
        return this.choice(event.index, '{}', `"${event.reason}"`);
      case 'usage':
        this.promptTokens = event.prompt_tokens;
        this.completionTokens = event.completion_tokens;
        return '';
      case 'error':
        return openAiStreamError(event.code, event.message);
      case 'done':
        return this.options.includeUsage && this.promptTokens >= 0 ? this.usageChunk() + DONE_FRAME : DONE_FRAME;
    }
  }

  private choice(index: number, delta: string, finishReason: string): string {
    return sseData(`${this.headOrDefault()},"choices":[{"index":${index},"delta":${delta},"finish_reason":${finishReason}}]}`);
  }

  private usageChunk(): string {
    const prompt = this.promptTokens;
    const completion = this.completionTokens;
    const usage = `{"prompt_tokens":${prompt},"completion_tokens":${completion},"total_tokens":${prompt + completion}}`;
    return sseData(`${this.headOrDefault()},"choices":[],"usage":${usage}}`);
  }

  /** A stream whose upstream never sent its start still gets well-formed chunks. */
  private headOrDefault(): string {
    this.head ??= chunkHead(this.options.id ?? '', this.options.model ?? '', this.options.created);
    return this.head;
  }
}

function chunkHead(id: string, model: string, created: number | undefined): string {
  const seconds = created ?? Math.floor(Date.now() / 1000);
  return `{"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${seconds},"model":${JSON.stringify(model)}`;
}

function toolCallDelta(event: Extract<NormalizedEvent, { type: 'tool_call_delta' }>): string {
  let fn = `"arguments":${JSON.stringify(event.arguments_delta)}`;
  if (event.name !== undefined) fn = `"name":${JSON.stringify(event.name)},${fn}`;
  const opening = event.id !== undefined ? `"id":${JSON.stringify(event.id)},"type":"function",` : '';
  return `{"index":${event.tool_index},${opening}"function":{${fn}}}`;
}
