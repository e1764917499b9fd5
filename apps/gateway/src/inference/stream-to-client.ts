import type { StreamUsage } from '@sluice/gateway/providers';
import type { ServerResponse } from 'node:http';
import type { UpstreamResponse } from '../upstream/upstream-client';
import { UpstreamError } from '../upstream/upstream.error';
import type { ResponseEdge } from './inference-request';
import type { RequestMeter } from './request-meter';

/**
 * Turns the provider's stream into what the client is sent, chunk by chunk:
 * its bytes as they came (`OpenAiStreamPassThrough`) or translated event by
 * event (`TranslatingRelay`), and keeps what metering needs.
 */
export interface StreamRelay {
  /** `done` after the stream's terminator, `failed` after an `error` event was produced; nothing is taken after either. */
  readonly state: 'open' | 'done' | 'failed';
  readonly usage: StreamUsage | undefined;
  readonly generatedCharacters: number;
  readonly contentSeen: boolean;
  push(chunk: Uint8Array): string | Buffer | undefined;
  end(): string | Buffer | undefined;
}

export interface StreamToClient {
  raw: ServerResponse;
  upstream: UpstreamResponse;
  relay: StreamRelay;
  edge: ResponseEdge;
  meter: RequestMeter;
  /** Aborted when the client disconnects (only `aborted` is read: an AbortEmitter or an AbortSignal). */
  clientSignal: { readonly aborted: boolean };
}

export interface StreamSummary {
  /** Characters of generated text and tool arguments: the basis of an estimate when the provider reports no usage. */
  generatedCharacters: number;
}

/**
 * Step five of the hot path: the provider's stream relayed to the client as
 * it arrives, with backpressure. Nothing is retried from here: the client
 * may already hold bytes, so an upstream failure ends the stream with the
 * edge's `error` event.
 */
export async function streamToClient({ raw, upstream, relay, edge, meter, clientSignal }: StreamToClient): Promise<StreamSummary> {
  try {
    // Chunk by chunk as they arrive, without a promise per chunk; a full socket holds the next read until it drains.
    await upstream.body.read((chunk) => {
      const out = relay.push(chunk);
      const drained = out === undefined ? undefined : send(raw, out, relay, meter);
      if (relay.state === 'open') return drained ?? true;
      // Over: the reply ends in the turn of its last bytes, so both leave in one write (the socket is corked until the next tick).
      end(raw);
      return false;
    });
    if (relay.state === 'open') {
      const out = relay.end();
      if (out !== undefined) await send(raw, out, relay, meter);
    }
    if (relay.state === 'failed') meter.outcome = 'provider_error';
    else if (relay.state === 'open') {
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
  const usage = relay.usage;
  if (usage !== undefined) meter.providerUsage(usage.prompt_tokens, usage.completion_tokens);
  if (clientSignal.aborted) meter.outcome = 'client_aborted';
  end(raw);
  return { generatedCharacters: relay.generatedCharacters };
}

function end(raw: ServerResponse): void {
  if (!raw.destroyed && !raw.writableEnded) raw.end();
}

function send(raw: ServerResponse, out: string | Buffer, relay: StreamRelay, meter: RequestMeter): Promise<void> | undefined {
  if (relay.contentSeen) meter.markFirstToken();
  return write(raw, out);
}

/** Writes now; if the socket's buffer is full, waits until it drains or the client is gone. */
function write(raw: ServerResponse, data: string | Buffer): Promise<void> | undefined {
  if (raw.destroyed || raw.writableEnded) return undefined;
  if (raw.write(data)) return undefined;
  return new Promise<void>((resolve) => {
    const done = () => {
      raw.off('drain', done);
      raw.off('close', done);
      resolve();
    };
    raw.on('drain', done);
    raw.on('close', done);
  });
}
