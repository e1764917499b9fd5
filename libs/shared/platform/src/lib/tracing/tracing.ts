import { SpanKind, trace, type Attributes, type Context, type ContextManager, type Span, type Tracer } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { TracingSettings } from './tracing-settings';

/** What a span needs to know about an incoming request's headers (Node's `IncomingHttpHeaders` fits). */
export type IncomingHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** The SDK of an enabled `Tracing` (tracing-sdk.ts). */
export interface TracingSdk {
  readonly provider: { shutdown(): Promise<void> };
  readonly tracer: Tracer;
  readonly contexts: ContextManager;
  /** The caller's context from its `traceparent`/`tracestate` (the root context without them). */
  extract(headers: IncomingHeaders): Context;
  /** Writes `context`'s `traceparent` (and `tracestate`) into `headers`. */
  inject(context: Context, headers: Record<string, string>): void;
}

/** Loaded on first use: an app without tracing never loads the SDK (tracing-sdk.ts). */
function loadSdk(): typeof import('./tracing-sdk') {
  return require('./tracing-sdk');
}

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
    return new Tracing(loadSdk().startTracingSdk(settings, exporter));
  }

  get enabled(): boolean {
    return this.sdk !== undefined;
  }

  /**
   * A server span continuing the caller's `traceparent` (a new trace without
   * one), and the context to handle the request in (`runIn`).
   */
  startServerSpan(name: string, headers: IncomingHeaders, attributes: Attributes): { span: Span; context: Context } {
    const { tracer, extract } = this.require();
    const parent = extract(headers);
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
    const { tracer, contexts, inject } = this.require();
    const parent = contexts.active();
    const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, parent);
    inject(trace.setSpan(parent, span), headers);
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
