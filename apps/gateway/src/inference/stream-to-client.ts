import { SseParser, type NormalizedEvent, type ProviderAdapter, type SseFrame } from '@sluice/gateway/providers';
import type { ServerResponse } from 'node:http';
import type { UpstreamResponse } from '../upstream/upstream-client';
import { UpstreamError } from '../upstream/upstream.error';
import type { ResponseEdge, StreamWriter } from './inference-request';
import type { RequestMeter } from './request-meter';

export interface StreamToClient {
  raw: ServerResponse;
  upstream: UpstreamResponse;
  adapter: ProviderAdapter;
  writer: StreamWriter;
  edge: ResponseEdge;
  meter: RequestMeter;
  /** Aborted when the client disconnects. */
  clientSignal: AbortSignal;
}

export interface StreamSummary {
  /** Characters of generated text and tool arguments: the basis of an estimate when the provider reports no usage. */
  generatedCharacters: number;
}

/**
 * Step five of the hot path: the provider's stream, parsed once, normalised
 * by its adapter and re-serialised for the client, chunk by chunk as it
 * arrives. Nothing is retried from here: the client may already hold bytes,
 * so an upstream failure ends the stream with the edge's `error` event.
 */
export async function streamToClient({ raw, upstream, adapter, writer, edge, meter, clientSignal }: StreamToClient): Promise<StreamSummary> {
  const parser = new SseParser();
  const state = adapter.createStreamState();
  let generatedCharacters = 0;
  let finished = false;

  /** Writes what a batch of frames produces; true once the stream is over (done, or an error event). */
  const relay = async (frames: SseFrame[]): Promise<boolean> => {
    let out = '';
    for (const frame of frames) {
      for (const event of adapter.parseStreamFrame(frame, state)) {
        generatedCharacters += generatedLength(event);
        if (event.type === 'usage') meter.providerUsage(event.prompt_tokens, event.completion_tokens);
        const text = writer.write(event);
        if (text !== '' && (event.type === 'text_delta' || event.type === 'tool_call_delta')) meter.markFirstToken();
        out += text;
        if (event.type === 'error') {
          meter.outcome = 'provider_error';
          finished = true;
        } else if (event.type === 'done') finished = true;
        if (finished) break;
      }
      if (finished) break;
    }
    if (out !== '') await write(raw, out);
    return finished;
  };

  try {
    for await (const chunk of upstream.body) {
      if (await relay(parser.push(chunk))) break;
    }
    if (!finished) await relay(parser.end());
    if (!finished) {
      meter.outcome = 'provider_error';
      await write(raw, edge.streamError('provider_error', 'The provider ended the stream before it was complete'));
    }
  } catch (error) {
    if (clientSignal.aborted || (error instanceof UpstreamError && error.kind === 'aborted')) {
      meter.outcome = 'client_aborted';
    } else {
      meter.outcome = 'provider_error';
      const failure = error instanceof UpstreamError ? error : undefined;
      await write(raw, edge.streamError(failure?.code ?? 'provider_error', failure?.message ?? 'The provider stream failed'));
    }
  }
  if (clientSignal.aborted) meter.outcome = 'client_aborted';
  if (!raw.destroyed) raw.end();
  return { generatedCharacters };
}

function generatedLength(event: NormalizedEvent): number {
  if (event.type === 'text_delta') return event.text.length;
  if (event.type === 'tool_call_delta') return event.arguments_delta.length + (event.name?.length ?? 0);
  return 0;
}

/** Writes now; if the socket's buffer is full, waits until it drains or the client is gone. */
async function write(raw: ServerResponse, text: string): Promise<void> {
  if (raw.destroyed || raw.writableEnded) return;
  if (raw.write(text)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      raw.off('drain', done);
      raw.off('close', done);
      resolve();
    };
    raw.on('drain', done);
    raw.on('close', done);
  });
}
