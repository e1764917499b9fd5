import { declaredRoutes, expectErrorShape, pathVariants, rawRequest, type RawResponse } from '@sluice/testing';
import { randomUUID } from 'node:crypto';
import { TEST_PASSWORD } from './api-client';
import { startControlPlane, type ControlPlaneUnderTest } from './control-plane-harness';
import { ADMIN_EMAIL } from './identity-fixture';

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** What each refusal answers: 401 from the guard, 404 when the router matched nothing, 400 for a NUL in the path (refused before routing). */
const REFUSALS: Record<number, string> = { 400: 'validation_error', 401: 'unauthorized', 404: 'not_found' };

/** Refused as it should be, never an answer with data. */
function expectRefused(response: RawResponse, what: string): void {
  expect({ what, status: response.status }).toEqual({ what, status: response.status in REFUSALS ? response.status : 401 });
  expectErrorShape(response.body, REFUSALS[response.status]);
}

describe('every spelling of a protected path needs credentials (issue 15, item 1)', () => {
  let app: ControlPlaneUnderTest;
  beforeAll(async () => {
    app = await startControlPlane({ SLUICE_ADMIN_EMAIL: ADMIN_EMAIL, SLUICE_ADMIN_PASSWORD: TEST_PASSWORD, THROTTLE_LOGIN_PER_MINUTE: '10' });
  });
  afterAll(() => app?.close());

  it('knows the routes: public ones are the probes, the sign-in family and the signed Stripe and partner webhooks; the rest are protected', () => {
    const routes = declaredRoutes(app.app);
    expect(routes.filter((route) => !route.isPublic).length).toBeGreaterThan(50);
    expect(routes.filter((route) => route.isPublic).map((route) => `${route.method} ${route.path}`).sort()).toEqual([
      'GET /health',
      'GET /health/live',
      'GET /health/ready',
      'POST /api/auth/invitations/:token/accept',
      'POST /api/auth/login',
      'POST /api/auth/register',
      'POST /api/auth/sign-in',
      'POST /api/auth/token',
      'POST /api/auth/token/refresh',
      'POST /api/auth/validate-email',
      // Stripe's webhook: its gate is the signature (docs/billing.md), not a principal.
      'POST /api/billing/events',
      'POST /api/billing/webhooks/stripe',
      // Partners' webhooks: their gate is the provider's signature, address list and rate (docs/integrations.md).
      'POST /api/integrations/webhooks/:service',
      'POST /api/tenants/auth',
    ]);
  });

  it('refuses every protected route, in every spelling, without credentials or with bogus ones', async () => {
    const param = randomUUID();
    let routed = 0;
    for (const route of declaredRoutes(app.app).filter((candidate) => !candidate.isPublic)) {
      const body = WITH_BODY.has(route.method) ? {} : undefined;
      const canonical = route.path.replace(/:[^/]+/g, param) + '/';
      const direct = await rawRequest(app.url, route.method, canonical, { body });
      expect({ route: `${route.method} ${route.path}`, status: direct.status }).toEqual({ route: `${route.method} ${route.path}`, status: 401 });
      for (const variant of pathVariants(route.path, param)) {
        const anonymous = await rawRequest(app.url, route.method, variant, { body });
        expectRefused(anonymous, `${route.method} ${variant}`);
        if (anonymous.status === 401) routed += 1;
        expectRefused(await rawRequest(app.url, route.method, variant, { body, headers: { authorization: 'Bearer not-a-token' } }), `${route.method} ${variant} (bogus)`);
      }
    }
    // The router does decode encoded letters: these spellings reached handlers and the guard refused them there.
    expect(routed).toBeGreaterThan(100);
    // Every protected route times every spelling, twice: it grows with the API.
  }, 120_000);

  it('answers the paths issue 15 names with 401, not data', async () => {
    for (const [method, path] of [
      ['GET', '/%61pi/models/'],
      ['GET', '/%61pi/tenants/'],
      ['GET', `/%61pi/tenants/${randomUUID()}/`],
      ['GET', `/%61pi/api-keys/${randomUUID()}/`],
      ['GET', '/api/%61udit/events/'],
    ]) {
      const response = await rawRequest(app.url, method, path);
      expect({ path, status: response.status }).toEqual({ path, status: 401 });
      expectErrorShape(response.body, 'unauthorized');
    }
  });

  it('counts sign-in attempts under every spelling against the same login limit', async () => {
    const spellings = ['/%61pi/auth/token/', '/api/auth/token/', '/%61%70%69/auth/token', '/api/%61uth/token/', '/api/auth/%74%6Fken/', '/api/auth/login/', '/%61pi/auth/login'];
    const victim = { email: 'victim@example.com', password: 'not the password at all' };
    for (let attempt = 0; attempt < 10; attempt++) {
      const path = spellings[attempt % spellings.length];
      const response = await rawRequest(app.url, 'POST', path, { body: victim });
      expect({ path, status: response.status }).toEqual({ path, status: 401 });
    }
    const eleventh = await rawRequest(app.url, 'POST', '/%61pi/auth/token/', { body: victim });
    expect(eleventh.status).toBe(429);
    expectErrorShape(eleventh.body, 'rate_limit_exceeded');
    expect(Number(eleventh.headers['retry-after'])).toBeGreaterThan(0);
    // The limit is per address and account: the admin still signs in from here.
    expect((await rawRequest(app.url, 'POST', '/%61pi/auth/token/', { body: { email: ADMIN_EMAIL, password: TEST_PASSWORD } })).status).toBe(200);
  });
});
