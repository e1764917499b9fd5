import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { nextId } from './ids';

const JSON_TYPE = 'application/json';

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve((chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)).toString('utf8')));
    req.on('error', reject);
  });
}

/** A single-valued request header; Node joins repeated custom headers with ", ". */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

export function requestIdOf(req: IncomingMessage): string {
  return header(req, 'x-request-id') || nextId('req_mock_');
}

export function sendJson(res: ServerResponse, status: number, body: string | Buffer, requestId: string): void {
  res.writeHead(status, {
    'content-type': JSON_TYPE,
    'content-length': typeof body === 'string' ? Buffer.byteLength(body) : body.length,
    'x-request-id': requestId,
    ...(status === 429 ? { 'retry-after': '1' } : undefined),
  });
  res.end(body);
}

/** Sends the headers of a complete JSON body, then half of it, then cuts the connection. */
export function sendHalfJsonAndDrop(res: ServerResponse, body: string, requestId: string): void {
  const bytes = Buffer.from(body);
  res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': bytes.length, 'x-request-id': requestId });
  res.write(bytes.subarray(0, bytes.length >> 1), () => res.destroy());
}

/** Whether the client has gone, so a delayed response should stop. */
export function isGone(res: ServerResponse): boolean {
  return res.destroyed || res.socket?.destroyed === true;
}

/** Timers are unreferenced: a pending delay never keeps a closed server's process alive. */
export function sleep(ms: number): Promise<void> {
  return delay(ms, undefined, { ref: false });
}
