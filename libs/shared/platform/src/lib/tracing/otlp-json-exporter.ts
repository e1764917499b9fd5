import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { request } from 'undici';

const EXPORT_TIMEOUT_MS = 10_000;

/**
 * Sends batches of spans to an OTLP/HTTP endpoint as JSON, with the
 * OpenTelemetry serializer. Ours rather than the SDK's exporter, which loads
 * `node:http` through a dynamic `import()` that Jest cannot run, so in-process
 * app tests could not export. A failed batch is dropped: the batch processor
 * does not retry, and tracing must never hold the app up.
 */
export class OtlpJsonExporter implements SpanExporter {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly url: string,
    private readonly headers: Readonly<Record<string, string>>,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    const sent = this.send(spans).then(
      () => resultCallback({ code: ExportResultCode.SUCCESS }),
      (error: unknown) => resultCallback({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) }),
    );
    this.pending.add(sent);
    void sent.finally(() => this.pending.delete(sent));
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.pending);
  }

  shutdown(): Promise<void> {
    return this.forceFlush();
  }

  private async send(spans: ReadableSpan[]): Promise<void> {
    const body = JsonTraceSerializer.serializeRequest(spans);
    if (!body) throw new Error('the spans could not be serialized');
    const response = await request(this.url, {
      method: 'POST',
      headers: { ...this.headers, 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(EXPORT_TIMEOUT_MS),
    });
    await response.body.dump();
    if (response.statusCode < 200 || response.statusCode > 299) throw new Error(`${this.url} answered ${response.statusCode}`);
  }
}
