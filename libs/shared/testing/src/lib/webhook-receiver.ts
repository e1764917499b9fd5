import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: Record<string, string>;
  body: string;
  receivedAt: number;
}

/** What the receiver answers to its nth request (0-based): a status, optionally after a wait or a gate, with headers. */
export type ReceiverBehaviour = (index: number, request: ReceivedWebhook) => ReceiverAnswer | Promise<ReceiverAnswer>;

export interface ReceiverAnswer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  /** Never answer (until the receiver closes): a receiver that times out. */
  hang?: boolean;
}

/**
 * A local webhook receiver on a free port, recording every request (headers
 * lower-cased, raw body) and answering as `behaviour` says. Tracks how many
 * requests it holds at once, to show a per-endpoint cap.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private readonly hanging = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(behaviour: ReceiverBehaviour = () => ({ status: 200, body: 'ok' }), path = '/hook'): Promise<WebhookReceiver> {
    let receiver: WebhookReceiver | null = null;
    const server = createServer((request, response) => void receiver?.handle(request, response, behaviour));
    server.keepAliveTimeout = 1_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiver = new WebhookReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`);
    return receiver;
  }

  /** Bodies parsed as JSON, in arrival order. */
  events<T = { type: string; timestamp: string; data: Record<string, unknown> }>(): T[] {
    return this.received.map((request) => JSON.parse(request.body) as T);
  }

  ofType(type: string): ReceivedWebhook[] {
    return this.received.filter((request) => (JSON.parse(request.body) as { type: string }).type === type);
  }

  async close(): Promise<void> {
    for (const response of this.hanging) response.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse, behaviour: ReceiverBehaviour): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')]));
      const received: ReceivedWebhook = { headers, body: Buffer.concat(chunks).toString('utf8'), receivedAt: Date.now() };
      const index = this.received.push(received) - 1;
      const answer = await behaviour(index, received);
      if (answer.hang) {
        this.hanging.add(response);
        response.on('close', () => this.hanging.delete(response));
        return;
      }
      response.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
      response.end(answer.body ?? '');
    } catch {
      response.destroy();
    } finally {
      this.inFlight--;
    }
  }
}
