import { SseParser, type NormalizedEvent, type ProviderAdapter, type SseFrame, type StreamUsage } from '@sluice/gateway/providers';
import type { StreamWriter } from './inference-request';
import type { StreamRelay } from './stream-to-client';

/**
 * A provider's stream parsed once, normalised by its adapter and written
 * again in the client's format: the relay for a client that speaks another
 * format than the upstream (an Anthropic provider behind `/v1/chat/completions`,
 * any provider behind `/v1/messages`).
 */
export class TranslatingRelay implements StreamRelay {
  state: StreamRelay['state'] = 'open';
  usage: StreamUsage | undefined;
  generatedCharacters = 0;
  contentSeen = false;
  private readonly parser = new SseParser();
  private readonly streamState: unknown;

  constructor(
    private readonly adapter: ProviderAdapter,
    private readonly writer: StreamWriter,
  ) {
    this.streamState = adapter.createStreamState();
  }

  push(chunk: Uint8Array): string | undefined {
    return this.state === 'open' ? this.relay(this.parser.push(chunk)) : undefined;
  }

  end(): string | undefined {
    return this.state === 'open' ? this.relay(this.parser.end()) : undefined;
  }

  private relay(frames: SseFrame[]): string | undefined {
    let out = '';
    for (const frame of frames) {
      for (const event of this.adapter.parseStreamFrame(frame, this.streamState)) {
        this.generatedCharacters += generatedLength(event);
        if (event.type === 'usage') this.usage = { prompt_tokens: event.prompt_tokens, completion_tokens: event.completion_tokens };
        const text = this.writer.write(event);
        if (text !== '' && (event.type === 'text_delta' || event.type === 'tool_call_delta')) this.contentSeen = true;
        out += text;
        if (event.type === 'error') this.state = 'failed';
        else if (event.type === 'done') this.state = 'done';
        if (this.state !== 'open') return out;
      }
    }
    return out === '' ? undefined : out;
  }
}

function generatedLength(event: NormalizedEvent): number {
  if (event.type === 'text_delta') return event.text.length;
  if (event.type === 'tool_call_delta') return event.arguments_delta.length + (event.name?.length ?? 0);
  return 0;
}
