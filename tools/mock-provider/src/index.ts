import type { AddressInfo } from 'node:net';
import { createMockProviderServer } from './server';

export { createMockProviderServer } from './server';
export { MOCK_MODELS } from './models';
export type { Directives } from './directives';

export interface MockProviderOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
}

export interface MockProvider {
  /** Base URL without a path, e.g. `http://127.0.0.1:40123`. */
  url: string;
  port: number;
  /** Stops listening and destroys open connections, keep-alive ones included. */
  close(): Promise<void>;
}

export async function startMockProvider(options: MockProviderOptions = {}): Promise<MockProvider> {
  const host = options.host ?? '127.0.0.1';
  const server = createMockProviderServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
