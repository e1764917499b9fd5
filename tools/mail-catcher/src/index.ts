import { listen, urlHost } from '@sluice/fake-server';
import { simpleParser, type AddressObject } from 'mailparser';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { SMTPServer } from 'smtp-server';

export { loadConfig, parsePort, ConfigError, type MailCatcherConfig } from './config';

/** One message as `GET /messages` lists it. */
export interface CaughtMessage {
  id: string;
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  received_at: string;
}

export interface MailCatcherOptions {
  /** 0 (the default) picks a free port. */
  httpPort?: number;
  smtpPort?: number;
  host?: string;
  /** Messages kept, the oldest dropped first. */
  capacity?: number;
}

export interface MailCatcher {
  /** Where `GET /messages` answers. */
  httpUrl: string;
  /** What `SMTP_URL` points at. */
  smtpUrl: string;
  httpPort: number;
  smtpPort: number;
  /** Newest first, as the HTTP listing. */
  messages(to?: string): CaughtMessage[];
  close(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * A local SMTP server for development and tests: it accepts every message
 * (no authentication, no relay), keeps the newest `capacity` of them in
 * memory, and lists them as JSON at `GET /messages` (`?to=` filters by
 * recipient). Nothing is ever delivered anywhere.
 */
export async function startMailCatcher(options: MailCatcherOptions = {}): Promise<MailCatcher> {
  const host = options.host ?? '127.0.0.1';
  const capacity = options.capacity ?? 1000;
  const kept: CaughtMessage[] = [];

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    size: MAX_MESSAGE_BYTES,
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          kept.unshift({
            id: randomUUID(),
            to: addresses(parsed.to),
            from: addresses(parsed.from)[0] ?? '',
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            received_at: new Date().toISOString(),
          });
          kept.length = Math.min(kept.length, capacity);
          callback();
        },
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    },
  });

  const list = (to?: string): CaughtMessage[] => {
    const wanted = to?.trim().toLowerCase();
    return wanted ? kept.filter((message) => message.to.some((address) => address.toLowerCase() === wanted)) : [...kept];
  };

  const http = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://catcher');
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.method === 'GET' && url.pathname.replace(/\/+$/, '') === '/messages') return send(200, list(url.searchParams.get('to') ?? undefined));
    if (request.method === 'DELETE' && url.pathname.replace(/\/+$/, '') === '/messages') {
      kept.length = 0;
      return send(200, []);
    }
    if (request.method === 'GET' && url.pathname === '/health') return send(200, { status: 'ok' });
    return send(404, { error: 'not found' });
  });

  const smtpPort = await listen(smtp.server, options.smtpPort ?? 0, host);
  const httpPort = await listen(http, options.httpPort ?? 0, host);
  const hostPart = urlHost(host);
  return {
    httpUrl: `http://${hostPart}:${httpPort}`,
    smtpUrl: `smtp://${hostPart}:${smtpPort}`,
    httpPort,
    smtpPort,
    messages: list,
    async close() {
      await Promise.all([new Promise<void>((resolve) => smtp.close(() => resolve())), new Promise<void>((resolve) => http.close(() => resolve()))]);
    },
  };
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const objects = Array.isArray(field) ? field : field ? [field] : [];
  return objects.flatMap((object) => object.value.map((entry) => entry.address ?? '')).filter(Boolean);
}
