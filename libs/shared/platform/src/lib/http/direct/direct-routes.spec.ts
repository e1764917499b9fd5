import type { ErrorCode, ErrorResponse } from '@sluice/contracts';
import { LogCapture, waitUntil } from '@sluice/testing';
import helmet from 'helmet';
import { request as httpRequest, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { SluiceException } from '../../errors/sluice.exception';
import { MetricsRegistry, requestDurations } from '../../metrics/metrics';
import { Tracing } from '../../tracing/tracing';
import { securityHeaderOptions } from '../security-headers';
import type { DirectRequest } from './direct-request';
import type { DirectHandler } from './direct-route';
import { DirectRoutes, isJson } from './direct-routes';

const BODY_LIMIT = 1024;

/** Echoes what the route saw; `/fail` throws what `failWith` holds. */
class EchoHandler implements DirectHandler {
  readonly failures: Array<{ code: ErrorCode; id: string }> = [];
  failWith: unknown = undefined;

  async handle(request: DirectRequest): Promise<void> {
    if (this.failWith !== undefined) throw this.failWith;
    const text = JSON.stringify({ body: request.body ?? null, ip: request.ip, id: request.id });
    request.response.setHeader('content-type', 'application/json');
    request.response.end(text);
  }

  failed(code: ErrorCode, request: DirectRequest): void {
    this.failures.push({ code, id: request.id });
  }
}

/** Fastify's stand-in: helmet's middleware as the app runs it, then who served. */
const fallback: RequestListener = (req: IncomingMessage, res: ServerResponse) => {
  helmet(securityHeaderOptions(false))(req, res, () => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ fallback: req.url }));
  });
};

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

describe('DirectRoutes', () => {
  const handler = new EchoHandler();
  const registry = new MetricsRegistry();
  const logs = new LogCapture();
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const direct = new DirectRoutes({ bodyLimitBytes: BODY_LIMIT, trustProxy: 1, hsts: false });
    server = direct.createServer(fallback, { keepAliveTimeout: 5_000, requestTimeout: 10_000, connectionTimeout: 0 });
    direct.observeWith({ durations: requestDurations(registry), accessLog: pino(logs), tracing: Tracing.disabled });
    direct.post('/v1/echo', handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    handler.failWith = undefined;
    handler.failures.length = 0;
  });

  /** One request over its own connection; `chunks` are written one by one (chunked unless a length is given). */
  function send(method: string, path: string, headers: Record<string, string> = {}, chunks: string[] = []): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(`${base}${path}`, { method, headers, agent: false }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (chunk: Buffer) => parts.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : undefined });
        });
      });
      req.on('error', reject);
      for (const chunk of chunks) req.write(chunk);
      req.end();
    });
  }

  function postJson(path: string, text: string, headers: Record<string, string> = {}): Promise<Answer> {
    return send('POST', path, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers }, [text]);
  }

  function errorCode(answer: Answer): string | undefined {
    return (answer.body as ErrorResponse).error?.code;
  }

  it('serves POST to the exact path, with a trailing slash or a query, and hands every other request to Fastify', async () => {
    for (const path of ['/v1/echo', '/v1/echo/', '/v1/echo?x=1']) {
      expect({ path, answer: (await postJson(path, '{"a":1}')).body }).toEqual({ path, answer: expect.objectContaining({ body: { a: 1 } }) });
    }
    for (const path of ['/%761/echo', '/v1/echo;x', '/v1//echo', '/v1/Echo', '/v1/echo/x']) {
      expect((await postJson(path, '{}')).body).toEqual({ fallback: path });
    }
    expect((await send('GET', '/v1/echo')).body).toEqual({ fallback: '/v1/echo' });
    expect((await send('PUT', '/v1/echo', { 'content-type': 'application/json' }, ['{}'])).body).toEqual({ fallback: '/v1/echo' });
  });

  it("sends exactly the security headers helmet sends on Fastify's routes, and the request id", async () => {
    const direct = await postJson('/v1/echo', '{}', { 'x-request-id': 'caller-id-1' });
    const viaFastify = await postJson('/v1/other', '{}');
    const securityHeaders = (answer: Answer) =>
      Object.fromEntries(Object.entries(answer.headers).filter(([name]) => !['date', 'connection', 'keep-alive', 'content-type', 'content-length', 'transfer-encoding', 'x-request-id'].includes(name)));
    expect(Object.keys(securityHeaders(viaFastify)).length).toBeGreaterThan(8);
    expect(securityHeaders(direct)).toEqual(securityHeaders(viaFastify));
    expect(direct.headers['x-request-id']).toBe('caller-id-1');
    expect((direct.body as { id: string }).id).toBe('caller-id-1');
    const minted = await postJson('/v1/echo', '{}', { 'x-request-id': 'not a token!' });
    expect(minted.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses bodies over the limit with 413, by declared length or as they arrive, and takes one at the limit', async () => {
    const declared = await send('POST', '/v1/echo', { 'content-type': 'application/json', 'content-length': String(BODY_LIMIT + 1) }, ['x'.repeat(BODY_LIMIT + 1)]);
    expect([declared.status, errorCode(declared)]).toEqual([413, 'payload_too_large']);
    const chunked = await send('POST', '/v1/echo', { 'content-type': 'application/json' }, ['"', 'x'.repeat(BODY_LIMIT - 2), 'xx"']);
    expect([chunked.status, errorCode(chunked)]).toEqual([413, 'payload_too_large']);
    expect(chunked.headers['x-request-id']).toEqual(expect.any(String));
    const atLimit = `"${'x'.repeat(BODY_LIMIT - 2)}"`;
    const taken = await send('POST', '/v1/echo', { 'content-type': 'application/json' }, [atLimit.slice(0, 10), atLimit.slice(10)]);
    expect(taken.status).toBe(200);
    expect((taken.body as { body: string }).body).toHaveLength(BODY_LIMIT - 2);
    expect(handler.failures.map((failure) => failure.code)).toEqual(['payload_too_large', 'payload_too_large']);
  });

  it('answers 415 to a body that is not JSON, and hands a request without a body to the handler', async () => {
    const text = await send('POST', '/v1/echo', { 'content-type': 'text/plain', 'content-length': '2' }, ['hi']);
    expect([text.status, errorCode(text)]).toEqual([415, 'unsupported_media_type']);
    const untyped = await send('POST', '/v1/echo', { 'content-length': '2' }, ['{}']);
    expect([untyped.status, errorCode(untyped)]).toEqual([415, 'unsupported_media_type']);
    const empty = await send('POST', '/v1/echo', { 'content-length': '0' });
    expect([empty.status, (empty.body as { body: unknown }).body]).toEqual([200, null]);
    expect(isJson('Application/JSON ; charset=utf-8')).toBe(true);
    expect(isJson('application/json-patch+json')).toBe(false);
  });

  it.each([
    ['an empty body', 'invalid_json', ''],
    ['malformed JSON', 'invalid_json', '{"a":'],
    ['a __proto__ key', 'invalid_json', '{"a":{"__proto__":{"admin":true}}}'],
    ['a constructor.prototype key', 'invalid_json', '{"constructor":{"prototype":{"admin":true}}}'],
    ['a body nested too deep', 'validation_error', `${'['.repeat(65)}${']'.repeat(65)}`],
    ['a NUL in a string', 'validation_error', '{"a":"x\\u0000"}'],
    ['an unpaired surrogate', 'validation_error', '{"a":"\\ud800"}'],
  ])('refuses %s with 400 %s in the error shape', async (_what, code, text) => {
    const answer = await postJson('/v1/echo', text);
    expect([answer.status, errorCode(answer)]).toEqual([400, code]);
    expect(handler.failures.map((failure) => failure.code)).toEqual([code]);
  });

  it('refuses an ill-formed query parameter as the input guard does', async () => {
    const answer = await postJson('/v1/echo?name=a%00b', '{}');
    expect([answer.status, errorCode(answer)]).toEqual([400, 'validation_error']);
    expect((answer.body as ErrorResponse).error.param).toBe('name');
  });

  it("answers a handler's failure in the error shape, with its headers, and reports its code", async () => {
    handler.failWith = new SluiceException('rate_limit_exceeded', 'Slow down', {}, null, { 'retry-after': '7' });
    const limited = await postJson('/v1/echo', '{}', { 'x-request-id': 'limited-1' });
    expect([limited.status, errorCode(limited), limited.headers['retry-after']]).toEqual([429, 'rate_limit_exceeded', '7']);
    handler.failWith = new Error('a bug');
    const broken = await postJson('/v1/echo', '{}', { 'x-request-id': 'broken-1' });
    expect([broken.status, errorCode(broken)]).toEqual([500, 'internal_error']);
    expect((broken.body as ErrorResponse).error.message).toBe('Internal server error (request id broken-1)');
    expect(handler.failures).toEqual([
      { code: 'rate_limit_exceeded', id: 'limited-1' },
      { code: 'internal_error', id: 'broken-1' },
    ]);
  });

  it('takes the client address from the hop the trusted proxy appended', async () => {
    const answer = await postJson('/v1/echo', '{}', { 'x-forwarded-for': '203.0.113.9, 198.51.100.7' });
    expect((answer.body as { ip: string }).ip).toBe('198.51.100.7');
    expect(((await postJson('/v1/echo', '{}')).body as { ip: string }).ip).toBe('127.0.0.1');
  });

  it('answers a body cut short with 400, as Fastify does', async () => {
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${base}/v1/echo`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '100' }, agent: false });
      req.on('error', () => resolve());
      req.write('{"a":', () => setImmediate(() => req.destroy()));
      req.on('close', () => resolve());
    });
    await waitUntil(() => handler.failures.length === 1, 5_000, 'the aborted body to be reported');
    expect(handler.failures[0]?.code).toBe('bad_request');
  });

  it("answers with Connection: close while draining: GracefulShutdown's listener runs before this one", async () => {
    const drain = (_request: IncomingMessage, response: ServerResponse) => {
      response.shouldKeepAlive = false;
    };
    server.prependListener('request', drain);
    try {
      const answer = await postJson('/v1/echo', '{}', { connection: 'keep-alive' });
      expect([answer.status, answer.headers['connection']]).toEqual([200, 'close']);
    } finally {
      server.off('request', drain);
    }
    expect((await postJson('/v1/echo', '{}', { connection: 'keep-alive' })).headers['connection']).toBe('keep-alive');
  });

  it('logs each answer and observes it under the route pattern', async () => {
    await postJson('/v1/echo/?q=1', '{}', { 'x-request-id': 'logged-1', 'user-agent': 'spec' });
    await waitUntil(() => logs.records().some((record) => (record['req'] as { id?: string } | undefined)?.id === 'logged-1'), 5_000, 'the access log line');
    const line = logs.records().find((record) => (record['req'] as { id?: string }).id === 'logged-1') as Record<string, unknown>;
    expect(line).toMatchObject({ msg: 'request completed', req: { method: 'POST', url: '/v1/echo/?q=1', user_agent: 'spec', remote_address: '127.0.0.1' }, res: { status_code: 200 } });
    expect(line['response_time_ms']).toEqual(expect.any(Number));
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/http_server_request_duration_seconds_count\{method="POST",route="\/v1\/echo",status_code="200"\} [1-9]/);
    expect(metrics).toMatch(/http_server_request_duration_seconds_count\{method="POST",route="\/v1\/echo",status_code="413"\} [1-9]/);
  });
});

describe('DirectRoutes while the server is not listening (closing)', () => {
  it('hands its routes to Fastify, which answers every request 503 while it closes', async () => {
    const seen: string[] = [];
    const direct = new DirectRoutes({ bodyLimitBytes: BODY_LIMIT, trustProxy: false, hsts: false });
    const server = direct.createServer((req) => void seen.push(`fastify ${req.method} ${req.url}`), { keepAliveTimeout: 5_000, requestTimeout: 10_000, connectionTimeout: 0 });
    direct.observeWith({ durations: requestDurations(new MetricsRegistry()), accessLog: pino(new LogCapture()), tracing: Tracing.disabled });
    direct.post('/v1/echo', new EchoHandler());
    expect(server.listening).toBe(false);
    direct.listener({ method: 'POST', url: '/v1/echo', headers: {} } as IncomingMessage, {} as ServerResponse);
    expect(seen).toEqual(['fastify POST /v1/echo']);
  });
});
