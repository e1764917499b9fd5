import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import proxyAddr from '@fastify/proxy-addr';
import type { DirectRoute } from './direct-route';

/** Whether to believe the hop at index `i` (0: the socket's peer) at `address`, as Fastify's trustProxy compiles it. */
export type TrustFn = (address: string, i: number) => boolean;

/**
 * One request to a route served on node:http directly: what its handler
 * reads (id, headers, client address, parsed body) and the raw response it
 * writes. Built once per request; everything it shares with other requests
 * (headers to send, label sets, the trust function) lives on its route.
 */
export class DirectRequest {
  /** The parsed JSON body; undefined for a request without one. */
  body: unknown = undefined;
  readonly startedAtMs = performance.now();
  /** The body as received so far (one chunk, as most bodies come, or several). */
  chunks: Buffer | Buffer[] | undefined = undefined;
  receivedBytes = 0;
  private clientIp: string | undefined = undefined;

  constructor(
    readonly raw: IncomingMessage,
    readonly response: ServerResponse,
    /** The request id, echoed in `x-request-id`. */
    readonly id: string,
    readonly route: DirectRoute,
  ) {}

  get method(): string {
    return this.raw.method as string;
  }

  get url(): string {
    return this.raw.url as string;
  }

  get headers(): IncomingHttpHeaders {
    return this.raw.headers;
  }

  /** The client's address: the socket's peer, or the nearest untrusted X-Forwarded-For hop behind trusted proxies (as Fastify's `request.ip`). */
  get ip(): string {
    if (this.clientIp === undefined) {
      const trust = this.route.trust;
      this.clientIp = trust ? proxyAddr(this.raw, trust) : (this.raw.socket.remoteAddress as string);
    }
    return this.clientIp;
  }

  elapsedMs(): number {
    return performance.now() - this.startedAtMs;
  }

  addChunk(chunk: Buffer): void {
    this.receivedBytes += chunk.length;
    if (this.chunks === undefined) this.chunks = chunk;
    else if (Array.isArray(this.chunks)) this.chunks.push(chunk);
    else this.chunks = [this.chunks, chunk];
  }

  bodyText(): string {
    const chunks = this.chunks;
    if (chunks === undefined) return '';
    return (Array.isArray(chunks) ? Buffer.concat(chunks) : chunks).toString('utf8');
  }
}
