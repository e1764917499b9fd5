import { Logger } from '@nestjs/common';
import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  SpanKind,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, W3CTraceContextPropagator, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type ReadableSpan,
  type Sampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { hostname } from 'node:os';
import { OtlpJsonExporter } from './otlp-json-exporter';
import type { TraceSampler, TracingSettings } from './tracing-settings';

/** What a span needs to know about an incoming request's headers (Node's `IncomingHttpHeaders` fits). */
export type IncomingHeaders = Readonly<Record<string, string | string[] | undefined>>;

interface TracingSdk {
  readonly provider: BasicTracerProvider;
  readonly tracer: Tracer;
  readonly contexts: AsyncLocalStorageContextManager;
}

const propagator = new W3CTraceContextPropagator();

/**
 * One app's OpenTelemetry tracing, with explicit spans (no monkey-patching):
 * a server span per HTTP request (see `traceRequests`) and whatever client
 * spans the app starts inside it. Everything is this instance's own, never
 * OpenTelemetry's global API, so several apps can run in one process (tests).
 *
 * Off (`Tracing.disabled`), nothing is created, read or sent: callers check
 * `enabled` once, at wiring time, and install nothing per request.
 */
export class Tracing {
  static readonly disabled = new Tracing(undefined);

  private constructor(private readonly sdk: TracingSdk | undefined) {}

  /** Spans go to `settings.tracesUrl` over OTLP/HTTP (JSON), batched; `exporter` replaces that (tests). */
  static start(settings: TracingSettings, exporter?: SpanExporter): Tracing {
    if (!settings.enabled) return Tracing.disabled;
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': settings.serviceName, 'service.instance.id': `${hostname()}-${process.pid}` }),
      sampler: samplerFor(settings.sampler, settings.samplerRatio),
      spanProcessors: [new BatchSpanProcessor(new FailureReportingExporter(exporter ?? new OtlpJsonExporter(settings.tracesUrl, settings.headers)))],
    });
    const contexts = new AsyncLocalStorageContextManager().enable();
    return new Tracing({ provider, tracer: provider.getTracer('sluice'), contexts });
  }

  get enabled(): boolean {
    return this.sdk !== undefined;
  }

  /**
   * A server span continuing the caller's `traceparent` (a new trace without
   * one), and the context to handle the request in (`runIn`).
   */
  startServerSpan(name: string, headers: IncomingHeaders, attributes: Attributes): { span: Span; context: Context } {
    const { tracer } = this.require();
    const parent = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    const span = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
    return { span, context: trace.setSpan(parent, span) };
  }

  /** Runs `fn` with `context` active: spans started inside it, synchronously or after an await, are its children. */
  runIn<T>(context: Context, fn: () => T): T {
    return this.require().contexts.with(context, fn);
  }

  /**
   * A client span, child of the active context's span, and its `traceparent`
   * (and `tracestate`) written into `headers` for the server it calls.
   */
  startClientSpan(name: string, attributes: Attributes, headers: Record<string, string>): Span {
    const { tracer, contexts } = this.require();
    const parent = contexts.active();
    const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, parent);
    propagator.inject(trace.setSpan(parent, span), headers, defaultTextMapSetter);
    return span;
  }

  /** Exports the spans still buffered and stops; spans ended afterwards are dropped. */
  async shutdown(): Promise<void> {
    if (!this.sdk) return;
    await this.sdk.provider.shutdown();
    this.sdk.contexts.disable();
  }

  private require(): TracingSdk {
    if (!this.sdk) throw new Error('Tracing is disabled: check `enabled` before starting spans');
    return this.sdk;
  }
}

function samplerFor(name: TraceSampler, ratio: number): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  }
}

/** Logs a failed export once per distinct failure (not every batch of an outage): the SDK itself stays silent. */
class FailureReportingExporter implements SpanExporter {
  private readonly logger = new Logger('Tracing');
  private lastFailure: string | undefined;

  constructor(private readonly inner: SpanExporter) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code === ExportResultCode.SUCCESS) {
        if (this.lastFailure !== undefined) this.logger.log('Exporting spans again');
        this.lastFailure = undefined;
      } else {
        const failure = result.error?.message ?? 'unknown error';
        if (failure !== this.lastFailure) this.logger.warn(`Spans could not be exported, dropping them: ${failure}`);
        this.lastFailure = failure;
      }
      resultCallback(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}
