import { SpanStatusCode, type Span } from '@opentelemetry/api';
import type { Tracing } from '@sluice/platform';
import type { UpstreamFailureKind } from './upstream.error';

/**
 * The client span of one upstream attempt, from sending the request to the
 * end of its body (read, dropped or failed), child of the request's server
 * span; the provider receives its `traceparent`.
 */
export class UpstreamTrace {
  private ended = false;

  private constructor(private readonly span: Span) {}

  /** Starts the span; the request goes out with `headers` plus its `traceparent` (a copy: the adapter's object is left alone). */
  static start(tracing: Tracing, method: string, url: URL, headers: Record<string, string>): { trace: UpstreamTrace; headers: Record<string, string> } {
    const traced = { ...headers };
    const span = tracing.startClientSpan(
      method,
      {
        'http.request.method': method,
        'server.address': url.hostname,
        'server.port': Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
        // Without the query: some providers take credentials there.
        'url.full': `${url.origin}${url.pathname}`,
      },
      traced,
    );
    return { trace: new UpstreamTrace(span), headers: traced };
  }

  responded(status: number): void {
    this.span.setAttribute('http.response.status_code', status);
    if (status >= 400) this.span.setStatus({ code: SpanStatusCode.ERROR });
  }

  failed(kind: UpstreamFailureKind, message: string): void {
    if (this.ended) return;
    this.span.setAttribute('error.type', kind);
    this.span.setStatus({ code: SpanStatusCode.ERROR, message });
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.span.end();
  }
}
