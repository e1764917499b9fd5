import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { FaultError, FaultQueue, parseFaults, type Faults } from './faults';
import { DATA_TYPES, newRecord, seedRecords, type DataType, type MockRecord } from './records';

const MAX_BODY_BYTES = 64 * 1024;
const PAGE_SIZE_DEFAULT = 20;
const PAGE_SIZE_MAX = 1000;
/** `/_mock/<faults>/…`: faults for callers that cannot set headers (a provider URL configured in Sluice). */
const FAULT_PREFIX = /^\/_mock\/([^/]+)(\/.*)$/;

export interface MockServicesServerOptions {
  /** Records of each type to start with. */
  records: number;
  faults: FaultQueue;
  onRequest?: (request: IncomingMessage, path: string) => void;
}

/**
 * Partner services for integrations to talk to (docs/integrations.md): users,
 * subscriptions and notifications under `/api/mock/`, a health check and a
 * paged data endpoint, answering in the `{status, message, data}` envelope.
 */
export function createMockServicesServer({ records, faults, onRequest }: MockServicesServerOptions): Server {
  const store = seedRecords(records);
  return createServer((request, response) => {
    handle(request, response).catch((error: unknown) => send(response, 500, failure(error instanceof Error ? error.message : String(error))));
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://mock.invalid');
    let path = url.pathname;
    let injected: Faults = {};
    if (request.method === 'POST' && /^\/_mock\/faults\/?$/.test(path)) return queueFault(request, response);
    try {
      const prefixed = FAULT_PREFIX.exec(path);
      if (prefixed) {
        injected = parseFaults(decodeURIComponent(prefixed[1]));
        path = prefixed[2];
      }
      const header = request.headers['x-mock'];
      if (typeof header === 'string') injected = { ...injected, ...parseFaults(header) };
    } catch (error) {
      return send(response, 400, failure((error as FaultError).message));
    }
    onRequest?.(request, path + url.search);
    injected = { ...injected, ...(faults.take(path + url.search) ?? {}) };
    if (injected.delayMs) await new Promise((resolve) => setTimeout(resolve, injected.delayMs));
    if (injected.status) return send(response, injected.status, failure(`Injected status ${injected.status}`));
    if (injected.malformed) return sendRaw(response, 200, '{"status": "success", "data": {"records": [');
    return route(request, response, path, url.searchParams);
  }

  async function route(request: IncomingMessage, response: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
    if (/^\/api\/mock\/health\/?$/.test(path) && request.method === 'GET') {
      return send(response, 200, {
        status: 'success',
        message: 'System healthy',
        data: { timestamp: new Date().toISOString(), services: { user_service: 'operational', payment_service: 'operational', communication_service: 'operational' } },
      });
    }
    const data = /^\/api\/mock\/api\/data\/([a-z]+)\/?$/.exec(path);
    if (data && request.method === 'GET') {
      const type = dataType(data[1]);
      if (!type) return send(response, 404, failure(`Unknown data type ${data[1]}: one of ${DATA_TYPES.join(', ')}`));
      const page = positive(query.get('page'), 1);
      const requestedSize = positive(query.get('page_size'), PAGE_SIZE_DEFAULT);
      if (page === null || requestedSize === null) return send(response, 400, failure('page and page_size must be whole numbers from 1'));
      const pageSize = Math.min(requestedSize, PAGE_SIZE_MAX);
      const all = store[type];
      const slice = all.slice((page - 1) * pageSize, page * pageSize);
      return send(response, 200, { status: 'success', message: 'Success', data: { records: slice, total: all.length, page, page_size: pageSize, has_next: page * pageSize < all.length } });
    }
    const collection = /^\/api\/mock\/([a-z]+)\/?$/.exec(path);
    const type = collection ? dataType(collection[1]) : null;
    if (type && request.method === 'GET') return send(response, 200, { status: 'success', message: 'Success', data: store[type] });
    if (type && request.method === 'POST') {
      const body = await readJson(request);
      if (body === null) return send(response, 400, failure('The body must be a JSON object'));
      const record: MockRecord = newRecord(body);
      store[type].push(record);
      return send(response, 201, { status: 'success', message: 'Success', data: record });
    }
    return send(response, 404, failure(`No route ${request.method} ${path}`));
  }

  async function queueFault(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readJson(request);
    const pathContains = body?.['path_contains'];
    const spec = body?.['faults'];
    const times = body?.['times'] ?? 1;
    if (typeof pathContains !== 'string' || typeof spec !== 'string' || typeof times !== 'number' || !Number.isInteger(times) || times < 1) {
      return send(response, 400, failure('Send {"path_contains": "/api/data/users/?page=2", "faults": "status=500", "times": 1}'));
    }
    try {
      faults.add({ pathContains, faults: parseFaults(spec), times });
    } catch (error) {
      return send(response, 400, failure((error as Error).message));
    }
    return send(response, 201, { status: 'success', message: 'Fault queued', data: null });
  }
}

function dataType(text: string): DataType | null {
  return (DATA_TYPES as readonly string[]).includes(text) ? (text as DataType) : null;
}

function positive(text: string | null, fallback: number): number | null {
  if (text === null) return fallback;
  return /^\d{1,7}$/.test(text) && Number(text) >= 1 ? Number(text) : null;
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown> | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function failure(error: string): Record<string, unknown> {
  return { status: 'failure', error, data: null };
}

function send(response: ServerResponse, status: number, body: unknown): void {
  sendRaw(response, status, JSON.stringify(body));
}

function sendRaw(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}
