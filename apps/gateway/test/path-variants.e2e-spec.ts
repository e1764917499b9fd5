import { startMockProvider, type MockProvider } from '@sluice/mock-provider';
import { declaredRoutes, expectErrorShape, pathVariants, rawRequest, type RawResponse } from '@sluice/testing';
import { randomUUID } from 'node:crypto';
import { GatewayFixtures, MOCK_CREDENTIAL_ENV, MOCK_CREDENTIAL_VALUE, mockDeployment, mockModel } from './gateway-fixtures';
import { startGateway, type GatewayUnderTest } from './gateway-harness';

/** Served by Fastify directly (chat-completions.routes.ts, messages.routes.ts): not in Nest's route table, they authenticate in their pipeline. */
const INFERENCE_ROUTES = ['/v1/chat/completions', '/v1/messages'];
const CHAT_BODY = { model: 'mock-chat', max_tokens: 16, messages: [{ role: 'user', content: 'Hi' }] };

/** What each refusal answers: 401 from the guard or the handler, 404 when the router matched nothing, 400 for a NUL in the path (refused before routing). */
const REFUSALS: Record<number, string[]> = { 400: ['validation_error'], 401: ['invalid_api_key', 'unauthorized'], 404: ['not_found'] };

/** Refused as it should be, never an answer with data. */
function expectRefused(response: RawResponse, what: string): void {
  expect({ what, status: response.status }).toEqual({ what, status: response.status in REFUSALS ? response.status : 401 });
  const code = (response.body as { error?: { code?: string } }).error?.code ?? '';
  expect(REFUSALS[response.status]).toContain(code);
  expectErrorShape(response.body, code);
}

describe('every spelling of a gateway path needs a key (issue 15, item 1)', () => {
  let mock: MockProvider;
  let gateway: GatewayUnderTest;
  let fixtures: GatewayFixtures;
  let secret: string;

  beforeAll(async () => {
    mock = await startMockProvider();
    gateway = await startGateway({ [MOCK_CREDENTIAL_ENV]: MOCK_CREDENTIAL_VALUE });
    fixtures = new GatewayFixtures(gateway.redisKeyPrefix);
    await fixtures.catalog([mockModel('mock-chat', [mockDeployment('mock-chat/0', mock.url, 'mock-fast')])]);
    secret = (await fixtures.apiKey(await fixtures.tenant())).secret;
  });
  afterAll(async () => {
    await fixtures?.close();
    await gateway?.close();
    await mock?.close();
  });

  it('knows the routes: only the probes are public (the Prometheus scrape has a port of its own)', () => {
    const routes = declaredRoutes(gateway.app);
    expect(routes.filter((route) => route.isPublic).map((route) => `${route.method} ${route.path}`).sort()).toEqual([
      'GET /health',
      'GET /health/live',
      'GET /health/ready',
    ]);
    expect(routes.filter((route) => !route.isPublic).map((route) => route.path)).toEqual(expect.arrayContaining(['/v1/models', '/v1/models/:id', '/metrics/:tenantId']));
  });

  it('refuses every other Nest route, in every spelling, without a key or with a bogus one', async () => {
    const param = randomUUID();
    let routed = 0;
    for (const route of declaredRoutes(gateway.app).filter((candidate) => !candidate.isPublic)) {
      const direct = await rawRequest(gateway.url, route.method, route.path.replace(/:[^/]+/g, param));
      expect({ route: route.path, status: direct.status }).toEqual({ route: route.path, status: 401 });
      for (const variant of pathVariants(route.path, param)) {
        const anonymous = await rawRequest(gateway.url, route.method, variant);
        expectRefused(anonymous, `${route.method} ${variant}`);
        if (anonymous.status === 401) routed += 1;
        expectRefused(await rawRequest(gateway.url, route.method, variant, { headers: { authorization: 'Bearer slk_live_not-a-key' } }), `${route.method} ${variant} (bogus)`);
      }
    }
    expect(routed).toBeGreaterThan(10);
  });

  it('refuses every spelling of the inference routes without a key', async () => {
    for (const path of INFERENCE_ROUTES) {
      for (const variant of [path, ...pathVariants(path)]) {
        expectRefused(await rawRequest(gateway.url, 'POST', variant, { body: CHAT_BODY }), `POST ${variant}`);
        expectRefused(await rawRequest(gateway.url, 'POST', variant, { body: CHAT_BODY, headers: { 'x-api-key': 'slk_live_not-a-key' } }), `POST ${variant} (bogus)`);
      }
    }
  });

  it('serves an encoded spelling to a caller with a key, as the router decodes it', async () => {
    const models = await rawRequest(gateway.url, 'GET', '/%761/models', { headers: { authorization: `Bearer ${secret}` } });
    expect(models.status).toBe(200);
    expect((models.body as { data: Array<{ id: string }> }).data.map((model) => model.id)).toEqual(['mock-chat']);
    const anonymous = await rawRequest(gateway.url, 'GET', '/%761/models');
    expect(anonymous.status).toBe(401);
    expectErrorShape(anonymous.body, 'invalid_api_key');
    const chat = await rawRequest(gateway.url, 'POST', '/%761/chat/completions', { body: CHAT_BODY, headers: { authorization: `Bearer ${secret}` } });
    expect(chat.status).toBe(200);
  });
});
