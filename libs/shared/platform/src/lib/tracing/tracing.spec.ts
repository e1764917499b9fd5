import { Controller, Get, Module } from '@nestjs/common';
import { LogCapture, OtlpCollector, OTLP_SPAN_KIND, parseTraceparent, TEST_REDIS_URL, uniqueKeyPrefix, type RunningApp } from '@sluice/testing';
import type { FastifyInstance } from 'fastify';
import { createHttpApp } from '../http/create-app';
import { PlatformModule } from '../http/platform.module';
import { Tracing } from './tracing';
import { TracingModule } from './tracing.module';
import type { TracingSettings } from './tracing-settings';

const INCOMING = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', parentId: '00f067aa0ba902b7' };
const TRACEPARENT = `00-${INCOMING.traceId}-${INCOMING.parentId}-01`;

/** Stands in for the gateway's upstream call: a client span started after an await, its headers returned. */
async function callOut(tracing: Tracing): Promise<Record<string, string>> {
  await new Promise((resolve) => setTimeout(resolve, 5));
  const headers: Record<string, string> = {};
  if (tracing.enabled) tracing.startClientSpan('POST', { 'server.address': 'provider.test' }, headers).end();
  return headers;
}

@Controller()
class OutgoingController {
  constructor(private readonly tracing: Tracing) {}

  @Get('nest/:id')
  outgoing(): Promise<Record<string, string>> {
    return callOut(this.tracing);
  }

  @Get('health/live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }
}

async function startApp(settings: TracingSettings): Promise<RunningApp> {
  @Module({
    imports: [
      PlatformModule.forRoot({
        service: 'tracing-test',
        logLevel: 'warn',
        logDestination: new LogCapture(),
        redis: { url: TEST_REDIS_URL, keyPrefix: uniqueKeyPrefix(), connectionName: 'tracing-test' },
      }),
      TracingModule.forRoot(settings),
    ],
    controllers: [OutgoingController],
  })
  class TestModule {}
  const app = await createHttpApp(TestModule, { bodyLimitBytes: 4096, trustProxy: false });
  // Like the gateway's hot routes: a plain Fastify route, added after the Nest app is built.
  const tracing = app.get(Tracing);
  const fastify: FastifyInstance = app.getHttpAdapter().getInstance();
  fastify.post('/plain', async () => callOut(tracing));
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  return { app, url: url.replace('[::1]', '127.0.0.1'), close: () => app.close() };
}

function settings(collector: OtlpCollector, enabled: boolean): TracingSettings {
  return { enabled, serviceName: 'tracing-test', tracesUrl: collector.url, headers: {}, sampler: 'parentbased_always_on', samplerRatio: 1 };
}

describe('TracingModule', () => {
  let collector: OtlpCollector;

  beforeAll(async () => {
    collector = await OtlpCollector.start();
  });
  afterAll(() => collector?.close());

  it('traces Nest and plain Fastify routes: a server span continuing traceparent, the client span its child, exported on close', async () => {
    const running = await startApp(settings(collector, true));
    let nestHeaders: Record<string, string>;
    let plainHeaders: Record<string, string>;
    try {
      nestHeaders = (await (await fetch(`${running.url}/nest/42?secret=x`, { headers: { traceparent: TRACEPARENT } })).json()) as Record<string, string>;
      plainHeaders = (await (await fetch(`${running.url}/plain`, { method: 'POST' })).json()) as Record<string, string>;
    } finally {
      await running.close();
    }

    const nestParent = parseTraceparent(nestHeaders['traceparent']);
    expect(nestParent).toMatchObject({ traceId: INCOMING.traceId, flags: '01' });
    const nestSpans = collector.spansOfTrace(INCOMING.traceId);
    const server = nestSpans.find((span) => span.kind === OTLP_SPAN_KIND.server);
    const client = nestSpans.find((span) => span.kind === OTLP_SPAN_KIND.client);
    expect(server).toMatchObject({
      service: 'tracing-test',
      name: 'GET /nest/:id',
      parentSpanId: INCOMING.parentId,
      attributes: { 'http.request.method': 'GET', 'http.route': '/nest/:id', 'url.path': '/nest/42', 'http.response.status_code': 200 },
    });
    expect(client).toMatchObject({ parentSpanId: server?.spanId, spanId: nestParent?.parentId });

    // Without an incoming traceparent, the server span starts a new trace.
    const plainParent = parseTraceparent(plainHeaders['traceparent']);
    expect(plainParent?.traceId).not.toBe(INCOMING.traceId);
    const plainSpans = collector.spansOfTrace(plainParent?.traceId ?? '');
    expect(plainSpans.find((span) => span.kind === OTLP_SPAN_KIND.server)).toMatchObject({ name: 'POST /plain', parentSpanId: '' });
    expect(plainSpans.find((span) => span.kind === OTLP_SPAN_KIND.client)?.spanId).toBe(plainParent?.parentId);
  });

  it('leaves health probes out', async () => {
    const running = await startApp(settings(collector, true));
    const before = collector.spans.length;
    try {
      for (const path of ['/health/live', '/nest/7']) await (await fetch(`${running.url}${path}`, { headers: { traceparent: TRACEPARENT } })).text();
    } finally {
      await running.close();
    }
    expect(collector.spans.slice(before).filter((span) => span.kind === OTLP_SPAN_KIND.server).map((span) => span.name)).toEqual(['GET /nest/:id']);
  });

  it('does nothing when disabled: no span, no header, no export', async () => {
    const before = collector.exports;
    const running = await startApp(settings(collector, false));
    try {
      expect(running.app.get(Tracing).enabled).toBe(false);
      const response = await fetch(`${running.url}/nest/1`, { headers: { traceparent: TRACEPARENT } });
      expect(await response.json()).toEqual({});
    } finally {
      await running.close();
    }
    expect(collector.exports).toBe(before);
  });
});
