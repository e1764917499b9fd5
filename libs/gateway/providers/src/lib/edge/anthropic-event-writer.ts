import type { AnthropicStopReason } from '@sluice/contracts';
import { sseEvent } from '../sse/sse-serializer';
import type { NormalizedEvent } from '../types';
import { STOP_REASONS } from './anthropic-stop-reason';
import { anthropicStreamError } from './stream-errors';

export interface AnthropicEventWriterOptions {
  /** The model name the client asked for; defaults to what the upstream reported. */
  model?: string;
  /** Defaults to the upstream's stream id. */
  id?: string;
}

const PING = sseEvent('ping', '{"type":"ping"}');
const MESSAGE_STOP = sseEvent('message_stop', '{"type":"message_stop"}');

/**
 * Normalised events → Messages stream events for `/v1/messages` clients.
 * Only the first choice is translated (Messages has one). `message_start`
 * waits for the first event after `start`, so a `usage` that comes with the
 * start (Anthropic upstreams report input tokens there) is in it. Tool calls
 * are assumed sequential, as every provider streams them: a delta of a new
 * call closes the open block.
 */
export class AnthropicEventWriter {
  private id = '';
  private model = '';
  private started = false;
  private messageStartWritten = false;
  private openBlock: 'text' | 'tool' | undefined;
  private openToolIndex = -1;
  private nextBlockIndex = 0;
  private stopReason: AnthropicStopReason = 'end_turn';
  private inputTokens = 0;
  private outputTokens = 0;

  constructor(private readonly options: AnthropicEventWriterOptions = {}) {}

  /** The SSE text for one event, or '' when it writes nothing yet. */
  write(event: NormalizedEvent): string {
    switch (event.type) {
      case 'start':
        this.started = true;
        this.id = this.options.id ?? event.id;
        this.model = this.options.model ?? event.model;
        return '';
      case 'usage':
        this.inputTokens = event.prompt_tokens;
        this.outputTokens = event.completion_tokens;
        return '';
      case 'text_delta':
        if (event.index !== 0 || event.text === '') return '';
        return this.messageStart() + this.textDelta(event.text);
      case 'tool_call_delta':
        if (event.index !== 0) return '';
        return this.messageStart() + this.toolCallDelta(event);
      case 'finish':
        if (event.index !== 0) return '';
        this.stopReason = STOP_REASONS[event.reason];
        return this.messageStart() + this.closeBlock();
      case 'error':
        return this.messageStart() + anthropicStreamError(event.code, event.message);
      case 'done':
        return this.messageStart() + this.closeBlock() + this.messageDelta() + MESSAGE_STOP;
    }
  }

  private messageStart(): string {
    if (this.messageStartWritten) return '';
    this.messageStartWritten = true;
    const id = this.started ? this.id : (this.options.id ?? '');
    const model = this.started ? this.model : (this.options.model ?? '');
    const message = {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: this.inputTokens, output_tokens: this.outputTokens },
    };
    // A ping right away, as Anthropic does: some clients wait for it before rendering.
    return sseEvent('message_start', JSON.stringify({ type: 'message_start', message })) + PING;
  }

  private textDelta(text: string): string {
    let out = '';
    if (this.openBlock !== 'text') {
      out = this.closeBlock() + this.blockStart('{"type":"text","text":""}');
      this.openBlock = 'text';
    }
    return out + this.blockDelta(`{"type":"text_delta","text":${JSON.stringify(text)}}`);
  }

  private toolCallDelta(event: Extract<NormalizedEvent, { type: 'tool_call_delta' }>): string {
    let out = '';
    if (this.openBlock !== 'tool' || this.openToolIndex !== event.tool_index) {
      out = this.closeBlock();
      const block = { type: 'tool_use', id: event.id ?? '', name: event.name ?? '', input: {} };
      out += this.blockStart(JSON.stringify(block));
      this.openBlock = 'tool';
      this.openToolIndex = event.tool_index;
    }
    if (event.arguments_delta === '') return out;
    return out + this.blockDelta(`{"type":"input_json_delta","partial_json":${JSON.stringify(event.arguments_delta)}}`);
  }

  private blockStart(contentBlock: string): string {
    return sseEvent('content_block_start', `{"type":"content_block_start","index":${this.nextBlockIndex},"content_block":${contentBlock}}`);
  }

  private blockDelta(delta: string): string {
    return sseEvent('content_block_delta', `{"type":"content_block_delta","index":${this.nextBlockIndex},"delta":${delta}}`);
  }

  private closeBlock(): string {
    if (this.openBlock === undefined) return '';
    this.openBlock = undefined;
    this.openToolIndex = -1;
    return sseEvent('content_block_stop', `{"type":"content_block_stop","index":${this.nextBlockIndex++}}`);
  }

  private messageDelta(): string {
    const delta = { type: 'message_delta', delta: { stop_reason: this.stopReason, stop_sequence: null }, usage: { input_tokens: this.inputTokens, output_tokens: this.outputTokens } };
    return sseEvent('message_delta', JSON.stringify(delta));
  }
}
