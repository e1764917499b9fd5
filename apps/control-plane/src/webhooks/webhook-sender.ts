import { Agent, request } from 'undici';
import type { DestinationPolicy } from '@sluice/auth';

/** How much of a receiver's answer the delivery log keeps. */
export const RESPONSE_EXCERPT_BYTES = 1_024;

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface WebhookResponse {
  /** Null: no HTTP answer (refused destination, connection error, timeout). */
  statusCode: number | null;
  durationMs: number;
  /** At most RESPONSE_EXCERPT_BYTES of the body, for the delivery log. */
  excerpt: string;
  error: string | null;
  ok: boolean;
}

/**
 * Sends one delivery. Connections go through the destination policy (the
 * check happens after DNS, at connect time); redirects are not followed (a
 * 3xx is a failed attempt); the whole exchange, answer included, must finish
 * within `timeoutMs`; and only the start of the answer is read.
 */
export class WebhookSender {
  private readonly agent: Agent;

  constructor(
    policy: DestinationPolicy,
    private readonly timeoutMs: number,
  ) {
    this.agent = new Agent({ connect: policy.connector(timeoutMs), connections: 8, pipelining: 1 });
  }

  async send(delivery: WebhookRequest): Promise<WebhookResponse> {
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const response = await request(delivery.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Sluice-Webhooks/1', ...delivery.headers },
        body: delivery.body,
        dispatcher: this.agent,
        signal,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      const excerpt = await readExcerpt(response.body);
      const ok = response.statusCode >= 200 && response.statusCode < 300;
      return { statusCode: response.statusCode, durationMs: elapsed(), excerpt, error: ok ? null : `HTTP ${response.statusCode}`, ok };
    } catch (error) {
      const message = signal.aborted ? `no answer within ${this.timeoutMs} ms` : describe(error);
      return { statusCode: null, durationMs: elapsed(), excerpt: '', error: message.slice(0, 500), ok: false };
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }
}

async function readExcerpt(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= RESPONSE_EXCERPT_BYTES) break;
  }
  if (size >= RESPONSE_EXCERPT_BYTES) body.destroy();
  // Cut on a character boundary and drop NUL bytes: the excerpt is stored as PostgreSQL text.
  return Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES).toString('utf8').replace(/\uFFFD+$/, '').split(String.fromCharCode(0)).join('');
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
  }
  return String(error);
}
