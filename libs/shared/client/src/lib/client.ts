import createClient, { type Client } from 'openapi-fetch';
import type { paths } from '../generated/schema';
import { toApiError } from './errors';

export type SluiceClient = Client<paths>;

/** A value, or a function asked before every request (a token that is refreshed, the tenant a page switched to). */
export type Provided = string | null | undefined | (() => string | null | undefined);

export interface SluiceClientOptions {
  /** The control plane's origin (`https://sluice.example.com`); empty in a page it serves: same origin. */
  baseUrl?: string;
  /** Sent as `Authorization: Bearer …`: an access token, a personal token (`slp_…`) or an API key (`slk_…`). */
  token?: Provided;
  /** Sent as `X-Tenant` (slug or domain): the tenant of calls that do not name one. */
  tenant?: Provided;
  /** A browser session's CSRF token, sent as `X-CSRF-Token` on every call but GET, HEAD and OPTIONS. */
  csrfToken?: Provided;
  /** `include` or `same-origin` to send the session cookie from a browser (default: the fetch default). */
  credentials?: NonNullable<RequestInit['credentials']>;
  /** Another fetch (tests, instrumentation); default: the global one of Node 18+ or the browser. */
  fetch?: typeof fetch;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function valueOf(provided: Provided): string | null {
  const value = typeof provided === 'function' ? provided() : provided;
  return value ? value : null;
}

/**
 * The control plane's API, typed from its OpenAPI document: paths, parameters,
 * bodies and answers are checked at compile time. Calls resolve to
 * `{ data, error, response }` (openapi-fetch); wrap them in `ok()` to get the
 * data or a thrown `SluiceApiError`.
 */
export function createSluiceClient(options: SluiceClientOptions = {}): SluiceClient {
  const client = createClient<paths>({
    baseUrl: (options.baseUrl ?? '').replace(/\/+$/, ''),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  client.use({
    onRequest({ request }) {
      const token = valueOf(options.token);
      const tenant = valueOf(options.tenant);
      const csrf = valueOf(options.csrfToken);
      if (token && !request.headers.has('authorization')) request.headers.set('authorization', `Bearer ${token}`);
      if (tenant && !request.headers.has('x-tenant')) request.headers.set('x-tenant', tenant);
      if (csrf && !SAFE_METHODS.has(request.method)) request.headers.set('x-csrf-token', csrf);
      return request;
    },
  });
  return client;
}

interface Outcome {
  data?: unknown;
  error?: unknown;
  response: Response;
}

/**
 * The data of a successful call, or a `SluiceApiError` in the API's own words:
 * `const keys = await ok(sluice.GET('/api/api-keys'))`.
 */
export async function ok<R extends Outcome>(call: Promise<R>): Promise<Exclude<R['data'], undefined>> {
  const { data, error, response } = await call;
  if (!response.ok) throw toApiError(response.status, error);
  return data as Exclude<R['data'], undefined>;
}
