import { Logger } from '@nestjs/common';
import { defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, type Context } from '@opentelemetry/api';
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
import type { IncomingHeaders, TracingSdk } from './tracing';
import type { TraceSampler, TracingSettings } from './tracing-settings';

/**
 * The OpenTelemetry SDK behind an enabled `Tracing`, in a module of its own:
 * `Tracing.start` loads it only when tracing is on, so an app that does not
 * trace keeps none of the SDK in memory.
 */
export function startTracingSdk(settings: TracingSettings, exporter?: SpanExporter): TracingSdk {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': settings.serviceName, 'service.instance.id': `${hostname()}-${process.pid}` }),
    sampler: samplerFor(settings.sampler, settings.samplerRatio),
    spanProcessors: [new BatchSpanProcessor(new FailureReportingExporter(exporter ?? new OtlpJsonExporter(settings.tracesUrl, settings.headers)))],
  });
  const contexts = new AsyncLocalStorageContextManager().enable();
  const propagator = new W3CTraceContextPropagator();
  return {
    provider,
    tracer: provider.getTracer('sluice'),
    contexts,
    extract: (headers: IncomingHeaders) => propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter),
    inject: (context: Context, headers: Record<string, string>) => propagator.inject(context, headers, defaultTextMapSetter),
  };
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
