import { createSluiceClient, ok } from './client';
import { SluiceApiError } from './errors';

/** A fetch that records each request and answers with `answer`. */
function recordingFetch(answer: () => Response) {
  const requests: Request[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    requests.push(input instanceof Request ? input : new Request(input, init));
    return answer();
  };
  return { requests, fetch: fetch as typeof globalThis.fetch };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('createSluiceClient', () => {
  it('sends the bearer token and X-Tenant, asking provider functions before every call', async () => {
    let tenant = 'acme';
    const { requests, fetch } = recordingFetch(() => json(200, { count: 0, next: null, previous: null, results: [] }));
    const sluice = createSluiceClient({ baseUrl: 'http://cp.test/', token: 'slp_abc', tenant: () => tenant, fetch });
    await ok(sluice.GET('/api/api-keys'));
    tenant = 'globex';
    await ok(sluice.GET('/api/api-keys', { params: { query: { page: 2 } } }));
    expect(requests.map((request) => [request.url, request.headers.get('authorization'), request.headers.get('x-tenant')])).toEqual([
      ['http://cp.test/api/api-keys', 'Bearer slp_abc', 'acme'],
      ['http://cp.test/api/api-keys?page=2', 'Bearer slp_abc', 'globex'],
    ]);
  });

  it('sends the CSRF token on mutations only', async () => {
    const { requests, fetch } = recordingFetch(() => json(200, {}));
    const sluice = createSluiceClient({ baseUrl: 'http://cp.test', csrfToken: 'csrf-1', fetch });
    await sluice.GET('/api/tenants');
    await sluice.POST('/api/api-keys', { body: { name: 'k' } });
    expect(requests.map((request) => [request.method, request.headers.get('x-csrf-token')])).toEqual([
      ['GET', null],
      ['POST', 'csrf-1'],
    ]);
  });

  it('turns an answer in the error shape into a SluiceApiError with its field messages', async () => {
    const { fetch } = recordingFetch(() =>
      json(400, {
        error: { code: 'validation_error', type: 'invalid_request_error', message: 'Invalid name, limits.rpm', param: null, details: { name: ['must be a string'], 'limits.rpm': ['must not be less than 1'] } },
      }),
    );
    const sluice = createSluiceClient({ baseUrl: 'http://cp.test', fetch });
    const error = await ok(sluice.POST('/api/api-keys', { body: { name: 'k' } })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SluiceApiError);
    const apiError = error as SluiceApiError;
    expect([apiError.status, apiError.code, apiError.message]).toEqual([400, 'validation_error', 'Invalid name, limits.rpm']);
    expect(apiError.fieldErrors()).toEqual({ name: 'must be a string', 'limits.rpm': 'must not be less than 1' });
  });

  it('names the field of a non-validation error from param, and words an answer without a body by its status', async () => {
    let answer = json(409, { error: { code: 'conflict', type: 'conflict_error', message: 'slug is taken', param: 'slug', details: {} } });
    const { fetch } = recordingFetch(() => answer);
    const sluice = createSluiceClient({ baseUrl: 'http://cp.test', fetch });
    const conflict = (await ok(sluice.POST('/api/tenants', { body: { name: 'A', slug: 'a' } })).catch((caught: unknown) => caught)) as SluiceApiError;
    expect(conflict.fieldErrors()).toEqual({ slug: 'slug is taken' });
    answer = new Response('<html>bad gateway</html>', { status: 502 });
    const gateway = (await ok(sluice.GET('/api/tenants')).catch((caught: unknown) => caught)) as SluiceApiError;
    expect([gateway.status, gateway.code, gateway.message]).toEqual([502, 'internal_error', 'The server answered 502 without an error body']);
  });
});
