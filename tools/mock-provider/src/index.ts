import type { IncomingHttpHeaders } from 'node:http';
import { closer, listen, urlHost } from '@sluice/fake-server';
import { createMockProviderServer } from './server';

export { createMockProviderServer, type MockProviderServerOptions } from './server';
export { MOCK_MODELS } from './models';
export type { Directives } from './directives';

export interface MockProviderOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** Keep every request's method, path and headers in `requests` (off by default: a long benchmark would fill memory). */
  recordRequests?: boolean;
}

/** A request as it reached the mock provider. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export interface MockProvider {
  /** Base URL without a path, e.g. `http://127.0.0.1:40123`. */
  url: string;
  port: number;
  /** The requests received so far, oldest first; always empty unless `recordRequests` was set. */
  readonly requests: readonly RecordedRequest[];
  /** Stops listening and destroys open connections, keep-alive ones included. */
  close(): Promise<void>;
}

export async function startMockProvider(options: MockProviderOptions = {}): Promise<MockProvider> {
  const host = options.host ?? '127.0.0.1';
  const requests: RecordedRequest[] = [];
  const server = createMockProviderServer(
    options.recordRequests ? { onRequest: (req) => requests.push({ method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers } }) } : {},
  );
  const port = await listen(server, options.port ?? 0, host);
  return {
    url: `http://${urlHost(host)}:${port}`,
    port,
    requests,
    close: closer(server),
  };
}
