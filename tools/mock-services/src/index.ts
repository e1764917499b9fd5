import { closer, listen, urlHost } from '@sluice/fake-server';
import { FaultQueue, parseFaults } from './faults';
import { DEFAULT_RECORDS } from './config';
import { createMockServicesServer } from './server';

export { parseFaults, type Faults } from './faults';
export { DATA_TYPES, type DataType } from './records';

export interface MockServicesOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Records of each type to start with (25 by default). */
  records?: number;
}

/** A request as it reached the mock services (path without any `/_mock/<faults>` prefix, with its query). */
export interface RecordedServiceRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface MockServices {
  /** Base URL without a path, e.g. `http://127.0.0.1:40123`; partners' base URL is `${url}/api/mock`. */
  url: string;
  port: number;
  readonly requests: readonly RecordedServiceRequest[];
  /** Faults (`status=500`, `delay_ms=1500`, `malformed`) for the next `times` requests whose path and query contain `pathContains`. */
  injectFault(pathContains: string, faults: string, times?: number): void;
  close(): Promise<void>;
}

export async function startMockServices(options: MockServicesOptions = {}): Promise<MockServices> {
  const host = options.host ?? '127.0.0.1';
  const requests: RecordedServiceRequest[] = [];
  const faults = new FaultQueue();
  const server = createMockServicesServer({
    records: options.records ?? DEFAULT_RECORDS,
    faults,
    onRequest: (request, path) => requests.push({ method: request.method ?? '', path, headers: { ...request.headers } }),
  });
  const port = await listen(server, options.port ?? 0, host);
  return {
    url: `http://${urlHost(host)}:${port}`,
    port,
    requests,
    injectFault(pathContains, spec, times = 1) {
      faults.add({ pathContains, faults: parseFaults(spec), times });
    },
    close: closer(server),
  };
}
