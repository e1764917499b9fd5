import type { Tracing } from '@sluice/platform';
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import type { AbortSource } from './abort-emitter';
import { UpstreamBody } from './upstream-body';
import { UpstreamExchange } from './upstream-exchange';
import { UpstreamPools, type UpstreamPoolOptions, type UpstreamPoolStats } from './upstream-pools';

/** A request already built by a provider adapter. */
export interface UpstreamRequest {
  url: string;
  /** POST unless given. */
  method?: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string | Uint8Array | null;
}

export interface UpstreamCallOptions {
  /** The deployment's `timeout_ms`: the whole exchange, body included, must end within it. */
  timeoutMs: number;
  /** Aborts the call, e.g. when the client disconnects. */
  signal?: AbortSource;
}

export interface UpstreamResponse {
  status: number;
  headers: Dispatcher.ResponseData['headers'];
  body: UpstreamBody;
  /** From sending the request to receiving the response headers. */
  timeToHeadersMs: number;
}

export interface UpstreamClientOptions extends UpstreamPoolOptions {
  /** Longest wait for the response headers (first byte); capped by each call's `timeoutMs`. */
  headersTimeoutMs?: number;
  /** Longest silence between two body chunks. */
  idleTimeoutMs?: number;
  /** When enabled, each call is a client span and carries its `traceparent`; otherwise nothing is added. */
  tracing?: Tracing;
}

export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

/**
 * Sends built requests over pooled keep-alive connections and returns the
 * response as soon as its headers arrive, with the body still streaming. Any
 * status is returned as is (see `ensureSuccess`); transport failures and
 * timeouts throw `UpstreamError`.
 */
export class UpstreamClient {
  private readonly pools: UpstreamPools;
  private readonly headersTimeoutMs: number;
  private readonly idleTimeoutMs: number;
  private readonly tracing: Tracing | undefined;
  private readonly targets = new ParsedUrls();

  constructor(options: UpstreamClientOptions = {}) {
    this.pools = new UpstreamPools(options);
    this.headersTimeoutMs = options.headersTimeoutMs ?? Number.POSITIVE_INFINITY;
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.tracing = options.tracing?.enabled ? options.tracing : undefined;
  }

  async send(request: UpstreamRequest, { timeoutMs, signal }: UpstreamCallOptions): Promise<UpstreamResponse> {
    const exchange = new UpstreamExchange(signal, timeoutMs);
    const started = performance.now();
    try {
      const target = this.targets.of(request.url);
      const method = request.method ?? 'POST';
      const headers = this.tracing ? exchange.traced(this.tracing, method, target.url, request.headers) : request.headers;
      const response = await this.pools.forOrigin(target.origin).request({
        path: target.path,
        method,
        headers,
        body: request.body ?? null,
        signal: exchange.signal,
        headersTimeout: Math.min(this.headersTimeoutMs, timeoutMs),
        bodyTimeout: this.idleTimeoutMs,
      });
      exchange.responded(response.statusCode);
      return {
        status: response.statusCode,
        headers: response.headers,
        body: new UpstreamBody(response.body, exchange),
        timeToHeadersMs: performance.now() - started,
      };
    } catch (error) {
      throw exchange.failure(error, 'headers');
    }
  }

  /** Connection counts for the origin of `url`; undefined before its first request. */
  poolStats(url: string): UpstreamPoolStats | undefined {
    return this.pools.stats(new URL(url).origin);
  }

  /** Waits for calls in flight, then closes every connection. */
  close(): Promise<void> {
    return this.pools.close();
  }

  /** Fails calls in flight and closes every connection now. */
  destroy(): Promise<void> {
    return this.pools.destroy();
  }
}

/** A request URL taken apart once: deployments call the same few URLs, and parsing one cost ~1 µs per request. */
interface ParsedUrl {
  readonly url: URL;
  readonly origin: string;
  /** Path and query, as undici's `path` takes them. */
  readonly path: string;
}

/** Parsed request URLs by their text, forgotten all at once past `MAX_PARSED_URLS` (a catalog naming that many is unusual). */
class ParsedUrls {
  private readonly byText = new Map<string, ParsedUrl>();

  of(text: string): ParsedUrl {
    let parsed = this.byText.get(text);
    if (parsed === undefined) {
      // Throws for a URL that does not parse, as before, and such a URL is never kept.
      const url = new URL(text);
      parsed = { url, origin: url.origin, path: url.pathname + url.search };
      if (this.byText.size >= MAX_PARSED_URLS) this.byText.clear();
      this.byText.set(text, parsed);
    }
    return parsed;
  }
}

const MAX_PARSED_URLS = 1024;
