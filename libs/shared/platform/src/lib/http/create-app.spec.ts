import { Body, Controller, Get, Module, Param, Post, Query, Req } from '@nestjs/common';
import { deleteKeysWithPrefix, listen, LogCapture, rawRequest, TEST_REDIS_URL, trickleRequest, uniqueKeyPrefix, waitUntil, type RunningApp } from '@sluice/testing';
import { Type } from 'class-transformer';
import { IsEmail, IsInt, IsOptional, IsString, Matches, Min, ValidateNested } from 'class-validator';
import type { ErrorResponse, Page } from '@sluice/contracts';
import type { FastifyRequest } from 'fastify';
import { connect } from 'node:net';
import { SluiceException } from '../errors/sluice.exception';
import { toPage } from '../pagination/pagination';
import { PaginationQueryDto } from '../pagination/pagination-query.dto';
import { createHttpApp, metricsUrlOf } from './create-app';
import { PlatformModule } from './platform.module';

class QuotaDto {
  @IsInt()
  @Min(0)
  max_users!: number;
}

class CreateThingDto {
  @Matches(/^[a-z0-9-]{3,63}$/, { message: 'must match ^[a-z0-9-]{3,63}$' })
  slug!: string;

  @IsEmail()
  contact_email!: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => QuotaDto)
  quota?: QuotaDto;
}

class ListThingsQueryDto extends PaginationQueryDto {
  @IsOptional()
  @IsString()
  search?: string;
}

const THINGS = Array.from({ length: 7 }, (_, index) => ({ id: index + 1 }));

@Controller('things')
class ThingsController {
  @Post()
  create(@Body() body: CreateThingDto) {
    return body;
  }

  @Get()
  list(@Query() query: ListThingsQueryDto, @Req() request: FastifyRequest) {
    const start = (query.page - 1) * query.page_size;
    return toPage(request, query, THINGS.length, THINGS.slice(start, start + query.page_size));
  }

  @Get('ip')
  ip(@Req() request: FastifyRequest) {
    return { ip: request.ip };
  }

  @Get('conflict')
  conflict(): never {
    throw new SluiceException('conflict', 'Tenant slug acme-corp is taken', { slug: 'acme-corp' }, 'slug');
  }

  @Get('crash')
  crash(): never {
    throw new Error('password=hunter2 at /srv/secret/path.ts:42');
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return { id };
  }
}

/** Writes `request` on a fresh connection and returns everything the server answers before it closes. */
function rawExchange(url: string, request: string, { abortAfterWrite = false } = {}): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(request);
      if (abortAfterWrite) setTimeout(() => socket.destroy(), 50);
    });
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('utf8')));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

function bodyOf(rawAnswer: string): ErrorResponse {
  return JSON.parse(rawAnswer.slice(rawAnswer.indexOf('\r\n\r\n') + 4)) as ErrorResponse;
}

/** A probe, which the access log leaves out. */
@Controller('health')
class ProbeController {
  @Get()
  health() {
    return { status: 'ok' };
  }
}

function testModule(logs: LogCapture, keyPrefix: string) {
  @Module({
    imports: [
      PlatformModule.forRoot({
        service: 'platform-test',
        logLevel: 'info',
        logDestination: logs,
        redis: { url: TEST_REDIS_URL, keyPrefix, connectionName: 'platform-test' },
      }),
    ],
    controllers: [ThingsController, ProbeController],
  })
  class TestModule {}
  return TestModule;
}

describe('createHttpApp', () => {
  const keyPrefix = uniqueKeyPrefix();
  const logs = new LogCapture();
  let running: RunningApp;

  beforeAll(async () => {
    running = await listen(await createHttpApp(testModule(logs, keyPrefix), { bodyLimitBytes: 2048, trustProxy: false }));
  });

  afterAll(async () => {
    await running?.close();
    await deleteKeysWithPrefix(keyPrefix);
  });

  const post = (body: string, contentType = 'application/json') =>
    fetch(`${running.url}/things`, { method: 'POST', headers: { 'content-type': contentType }, body });

  it('keeps probes out of the access log by the route they matched, however the path is spelt', async () => {
    expect((await rawRequest(running.url, 'GET', '/%68ealth', { headers: { 'x-request-id': 'quiet-probe' } })).status).toBe(200);
    expect((await rawRequest(running.url, 'GET', '/health/../nowhere', { headers: { 'x-request-id': 'logged-probe' } })).status).toBe(404);
    await waitUntil(() => logs.text.includes('logged-probe'), 2_000, 'the probe log line');
    expect(logs.text).not.toContain('quiet-probe');
  });

  it('passes a valid body through', async () => {
    const response = await post(JSON.stringify({ slug: 'acme-corp', contact_email: 'a@acme.com', quota: { max_users: 5 } }));
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ slug: 'acme-corp', contact_email: 'a@acme.com', quota: { max_users: 5 } });
  });

  it('lists every invalid field, nested ones by dotted path', async () => {
    const response = await post(JSON.stringify({ slug: 'A!', contact_email: 'nope', quota: { max_users: -1 } }));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        code: 'validation_error',
        message: 'Invalid slug, contact_email, quota.max_users',
        type: 'invalid_request_error',
        param: null,
        details: {
          slug: ['must match ^[a-z0-9-]{3,63}$'],
          contact_email: ['must be an email'],
          'quota.max_users': ['must not be less than 0'],
        },
      },
    });
  });

  it('refuses unknown fields and names the one field as param', async () => {
    const response = await post(JSON.stringify({ slug: 'acme-corp', contact_email: 'a@acme.com', is_admin: true }));
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as ErrorResponse;
    expect(error).toEqual(expect.objectContaining({ code: 'validation_error', param: 'is_admin', details: { is_admin: ['is not allowed'] } }));
  });

  it('refuses wrong types, a JSON array and null with 400', async () => {
    for (const body of ['{"slug": 42, "contact_email": ["a@acme.com"]}', '[1, 2]', 'null', '"text"']) {
      const response = await post(body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as ErrorResponse).error.code).toMatch(/^(validation_error|invalid_json)$/);
    }
  });

  it('answers 415 for a body that is not JSON, 413 over the limit, 400 for invalid JSON', async () => {
    const notJson = await post('slug=acme', 'application/x-www-form-urlencoded');
    expect(notJson.status).toBe(415);
    expect(((await notJson.json()) as ErrorResponse).error.code).toBe('unsupported_media_type');
    const tooLarge = await post(JSON.stringify({ slug: 'x'.repeat(4096) }));
    expect(tooLarge.status).toBe(413);
    const broken = await post('{"slug": "acme",');
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as ErrorResponse).error.code).toBe('invalid_json');
  });

  it('maps a coded exception to its catalogued status and shape', async () => {
    const response = await fetch(`${running.url}/things/conflict`);
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({
      error: { code: 'conflict', message: 'Tenant slug acme-corp is taken', type: 'conflict_error', param: 'slug', details: { slug: 'acme-corp' } },
    });
  });

  it('answers a crash with a 500 naming only the request id, and logs the error', async () => {
    const response = await fetch(`${running.url}/things/crash`, { headers: { 'x-request-id': 'crash-1' } });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      error: { code: 'internal_error', message: 'Internal server error (request id crash-1)', type: 'server_error', param: null, details: {} },
    });
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('/srv/secret');
    expect(logs.records().some((record) => record['msg'] === 'Unhandled error' && record['level'] === 'error')).toBe(true);
  });

  it('pages lists with links that keep the other query parameters, relative without a public base URL', async () => {
    const first = await (await fetch(`${running.url}/things?page_size=3&search=a`, { headers: { 'x-forwarded-host': 'evil.example' } })).json();
    expect(first).toEqual({
      count: 7,
      next: `/things?page_size=3&search=a&page=2`,
      previous: null,
      results: [{ id: 1 }, { id: 2 }, { id: 3 }],
    });
    const last = await (await fetch(`${running.url}/things?page=3&page_size=3&search=a`)).json();
    expect(last).toEqual({
      count: 7,
      next: null,
      previous: `/things?page=2&page_size=3&search=a`,
      results: [{ id: 7 }],
    });
    const defaults = (await (await fetch(`${running.url}/things`)).json()) as Page<unknown>;
    expect(defaults.results).toHaveLength(7);
  });

  it('refuses out-of-range pagination and unknown filters', async () => {
    for (const query of ['page=0', 'page_size=201', 'page=abc', 'colour=red']) {
      const response = await fetch(`${running.url}/things?${query}`);
      expect(response.status).toBe(400);
      expect(((await response.json()) as ErrorResponse).error.code).toBe('validation_error');
    }
  });

  describe('hostile input', () => {
    const expectRefusal = async (response: Response, code: string, param: string | null) => {
      expect(response.status).toBe(400);
      const { error } = (await response.json()) as ErrorResponse;
      expect(error).toEqual(expect.objectContaining({ code, param }));
      return error;
    };

    it('refuses a body nested past the documented depth with 400, before validation walks it', async () => {
      const error = await expectRefusal(await post(`{"slug":${'['.repeat(65)}${']'.repeat(65)}}`), 'validation_error', null);
      expect(error.details).toEqual({ body: ['must not nest deeper than 64 levels'] });
      // 64 levels parse, and are then judged by the DTO like any other value.
      const atLimit = await expectRefusal(await post(`{"slug":${'['.repeat(63)}${']'.repeat(63)}}`), 'validation_error', null);
      expect(Object.keys(atLimit.details)).toContain('slug');
    });

    it('refuses NUL and unpaired surrogates in body strings and keys with 400 naming the field', async () => {
      const nul = await expectRefusal(await post('{"slug":"acme\\u0000corp","contact_email":"a@acme.com"}'), 'validation_error', 'slug');
      expect(nul.details).toEqual({ slug: [expect.stringContaining('NUL')] });
      await expectRefusal(await post('{"slug":"acme-corp","contact_email":"a@acme.com","quota":{"max_users":"\\u0000"}}'), 'validation_error', 'quota.max_users');
      await expectRefusal(await post('{"slug":"acme-corp","contact_email":"a\\ud800@acme.com"}'), 'validation_error', 'contact_email');
      await expectRefusal(await post('{"slug":"acme-corp","contact_email":"a@acme.com","\\u0000":1}'), 'validation_error', '?');
      // A well-formed pair written as escapes is a character like any other.
      const astral = await post('{"slug":"acme-corp","contact_email":"a@acme.com","quota":{"max_users":"\\ud83d\\ude00"}}');
      expect(((await astral.json()) as ErrorResponse).error.details).toEqual({ 'quota.max_users': expect.any(Array) });
    });

    it('refuses NUL in query and path parameters', async () => {
      await expectRefusal(await fetch(`${running.url}/things?search=a%00b`), 'validation_error', 'search');
      await expectRefusal(await fetch(`${running.url}/things/a%00b`), 'validation_error', 'id');
    });

    it('refuses absurd pages instead of handing the database an offset it cannot take', async () => {
      for (const page of ['1e21', '1e400', '1000001', '99999999999999999999']) {
        await expectRefusal(await fetch(`${running.url}/things?page=${page}`), 'validation_error', 'page');
      }
      expect((await fetch(`${running.url}/things?page=1000000`)).status).toBe(200);
    });

    it('answers a URL whose percent-encoding does not decode with 400 in the error shape', async () => {
      for (const path of ['/things/%zz', '/things/%ED%A0%80', '/things/%', '/no/such/%zz']) {
        const response = await fetch(`${running.url}${path}`);
        expect(response.status).toBe(400);
        expect(response.headers.get('x-request-id')).toEqual(expect.any(String));
        expect(((await response.json()) as ErrorResponse).error).toEqual(expect.objectContaining({ code: 'bad_request', type: 'invalid_request_error' }));
      }
    });

    it('answers headers over the size limit with 431, and a request that is not HTTP with 400, in the error shape', async () => {
      const tooLarge = await rawExchange(running.url, `GET /things HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
      expect(tooLarge).toMatch(/^HTTP\/1\.1 431 /);
      expect(tooLarge).toMatch(/\r\nx-request-id: [0-9a-f-]{36}\r\n/);
      expect(bodyOf(tooLarge).error).toEqual(expect.objectContaining({ code: 'headers_too_large', type: 'invalid_request_error', param: null, details: {} }));
      const longUrl = await rawExchange(running.url, `GET /things?search=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(bodyOf(longUrl).error.code).toBe('headers_too_large');
      const garbage = await rawExchange(running.url, 'NOT HTTP AT ALL\r\n\r\n');
      expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
      expect(bodyOf(garbage).error.code).toBe('bad_request');
    });

    it('answers content types it does not take with 415 in the error shape', async () => {
      for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json-patch+json', 'garbage']) {
        const response = await post('{}', contentType);
        expect(response.status).toBe(415);
        expect(((await response.json()) as ErrorResponse).error.code).toBe('unsupported_media_type');
      }
    });

    it('treats a body the client aborts as the client’s failure, not an unhandled error', async () => {
      const before = logs.lines.length;
      await rawExchange(running.url, 'POST /things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"slug":', { abortAfterWrite: true });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(logs.lines.slice(before).join('\n')).not.toContain('Unhandled error');
    });
  });
});

describe('createHttpApp behind a proxy, in production', () => {
  const keyPrefix = uniqueKeyPrefix();
  let running: RunningApp;

  beforeAll(async () => {
    running = await listen(
      await createHttpApp(testModule(new LogCapture(), keyPrefix), {
        bodyLimitBytes: 2048,
        trustProxy: 1,
        requestTimeoutMs: 1_000,
        metrics: { port: 0, host: '127.0.0.1' },
        hsts: true,
        publicBaseUrl: 'https://api.sluice.test/base/',
      }),
    );
  });

  afterAll(async () => {
    await running?.close();
    await deleteKeysWithPrefix(keyPrefix);
  });

  it('takes the client address the one trusted proxy appended, not what the client wrote to its left', async () => {
    const ip = async (headers: Record<string, string>) => ((await (await fetch(`${running.url}/things/ip`, { headers })).json()) as { ip: string }).ip;
    expect(await ip({ 'x-forwarded-for': '198.51.100.1, 203.0.113.9' })).toBe('203.0.113.9');
    expect(await ip({ 'x-forwarded-for': '203.0.113.9' })).toBe('203.0.113.9');
    expect(await ip({})).toBe('127.0.0.1');
  });

  it('builds links on the public base URL whatever Host, X-Forwarded-Host and X-Forwarded-Proto say', async () => {
    const page = (await (
      await fetch(`${running.url}/things?page_size=3`, { headers: { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http', host: 'evil.example' } })
    ).json()) as Page<unknown>;
    expect(page.next).toBe('https://api.sluice.test/base/things?page_size=3&page=2');
  });

  it('sends security headers: no sniffing, no framing, no referrer, a CSP, and HSTS', async () => {
    for (const path of ['/things', '/no/such/route']) {
      const headers = (await fetch(`${running.url}${path}`)).headers;
      expect(headers.get('x-content-type-options')).toBe('nosniff');
      expect(headers.get('x-frame-options')).toBe('DENY');
      expect(headers.get('referrer-policy')).toBe('no-referrer');
      expect(headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    }
  });

  it('serves GET /metrics on the metrics port only', async () => {
    const url = metricsUrlOf(running.app) ?? '';
    const scrape = await fetch(url);
    expect(scrape.status).toBe(200);
    expect(await scrape.text()).toContain('http_server_request_duration_seconds');
    expect((await fetch(url.replace(/\/metrics$/, '/things'))).status).toBe(404);
    expect((await fetch(`${running.url}/metrics`)).status).toBe(404);
  });

  it('cuts a client that trickles its body once the request timeout has passed, with 408', async () => {
    expect(await trickleRequest(running.url, '/things')).toMatch(/^HTTP\/1\.1 408/);
  });
});

describe('createHttpApp when a module cannot start', () => {
  it('rejects for the caller to report instead of exiting the process', async () => {
    @Module({ providers: [{ provide: 'DATABASE', useFactory: () => Promise.reject(new Error('no database')) }] })
    class BrokenModule {}
    const exit = jest.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    try {
      await expect(createHttpApp(BrokenModule, { bodyLimitBytes: 2048, trustProxy: false })).rejects.toThrow('no database');
      expect(exit).not.toHaveBeenCalled();
    } finally {
      exit.mockRestore();
    }
  });
});
