// The demo data `npm start` creates through the control plane's own API (so it
// is audited like anything else): a tenant `demo`, its owner, an API key, and
// (demoTraffic) a few requests through the gateway for the console to chart.
// Safe to run again: what exists is kept, and the demo key is rotated so that
// its secret (shown only once) can be printed again.

export const DEMO = {
  tenantSlug: 'demo',
  ownerEmail: 'owner@demo.sluice.local',
  ownerPassword: 'sluice-demo-owner',
  keyName: 'npm start demo key',
};

/** Calls the control plane; each request carries `x-request-id: <prefix>-<n>`, the last one kept in `ids.last`. */
async function call(baseUrl, ids, method, path, { token, body } = {}) {
  ids.last = `${ids.prefix}-${++ids.count}`;
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { 'x-request-id': ids.last, ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {} };
}

function expectStatus(response, accepted, what) {
  if (!accepted.includes(response.status)) throw new Error(`${what}: HTTP ${response.status} ${JSON.stringify(response.body)}`);
  return response;
}

/** Resolves to the demo's credentials and the id of the last request it made (the launcher waits for its log line). */
export async function seedDemo(baseUrl, { adminEmail, adminPassword, requestIdPrefix = 'seed-demo' }) {
  const ids = { prefix: requestIdPrefix, count: 0, last: '' };
  const login = expectStatus(await call(baseUrl, ids, 'POST', '/api/auth/token/', { body: { email: adminEmail, password: adminPassword } }), [200], `login as ${adminEmail}`);
  const token = login.body.access;
  expectStatus(await call(baseUrl, ids, 'POST', '/api/tenants/', { token, body: { name: 'Demo Company', slug: DEMO.tenantSlug, contact_email: DEMO.ownerEmail } }), [201, 409], 'demo tenant');
  expectStatus(await call(baseUrl, ids, 'POST', `/api/tenants/${DEMO.tenantSlug}/activate/`, { token }), [200, 409], 'activating the demo tenant');
  expectStatus(
    await call(baseUrl, ids, 'POST', '/api/tenant-users/', { token, body: { tenant: DEMO.tenantSlug, email: DEMO.ownerEmail, password: DEMO.ownerPassword, role: 'owner', first_name: 'Demo', last_name: 'Owner' } }),
    [201, 409],
    'demo owner',
  );
  const owner = expectStatus(await call(baseUrl, ids, 'POST', '/api/auth/token/', { body: { email: DEMO.ownerEmail, password: DEMO.ownerPassword } }), [200], 'login as the demo owner').body.access;
  const existing = expectStatus(await call(baseUrl, ids, 'GET', `/api/api-keys/?tenant=${DEMO.tenantSlug}&status=active&search=${encodeURIComponent(DEMO.keyName)}`, { token: owner }), [200], 'listing demo keys');
  const current = existing.body.results.find((key) => key.name === DEMO.keyName);
  const key = current
    ? expectStatus(await call(baseUrl, ids, 'POST', `/api/api-keys/${current.id}/rotate/`, { token: owner, body: { grace_seconds: 0 } }), [200, 201], 'rotating the demo key')
    : expectStatus(await call(baseUrl, ids, 'POST', '/api/api-keys/', { token: owner, body: { tenant: DEMO.tenantSlug, name: DEMO.keyName, environment: 'test', scopes: ['inference', 'read'] } }), [201], 'creating the demo key');
  return { ...DEMO, apiKey: key.body.key, lastRequestId: ids.last };
}

/**
 * A Stripe Checkout URL for 20 USD of the demo tenant's credits, as its owner
 * asks for it, and the id of the last request made for it.
 */
export async function demoCheckoutUrl(baseUrl, demo, { requestIdPrefix = 'demo-checkout' } = {}) {
  const ids = { prefix: requestIdPrefix, count: 0, last: '' };
  const owner = expectStatus(await call(baseUrl, ids, 'POST', '/api/auth/token/', { body: { email: demo.ownerEmail, password: demo.ownerPassword } }), [200], 'login as the demo owner').body.access;
  const checkout = expectStatus(await call(baseUrl, ids, 'GET', `/api/billing/tenants/${demo.tenantSlug}/checkout/?purpose=credits&amount_usd=20`, { token: owner }), [200], 'demo checkout');
  return { url: checkout.body.url, lastRequestId: ids.last };
}

/**
 * A few chat requests with the demo key through the gateway (answered by the
 * mock provider), so that the console's usage charts have something to show.
 * The key reaches the gateway within a second: 401s are retried for up to 5 s.
 */
export async function demoTraffic(gatewayUrl, demo, { requestIdPrefix = 'demo-traffic', requests = 3 } = {}) {
  const ids = { prefix: requestIdPrefix, count: 0, last: '' };
  const deadline = Date.now() + 5_000;
  for (let sent = 0; sent < requests; ) {
    ids.last = `${ids.prefix}-${++ids.count}`;
    const response = await fetch(`${gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'x-request-id': ids.last, authorization: `Bearer ${demo.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-fast', messages: [{ role: 'user', content: `Hello from npm start (${sent + 1})` }] }),
    });
    await response.arrayBuffer();
    if (response.status === 200) sent++;
    else if (response.status !== 401 || Date.now() > deadline) throw new Error(`demo chat: HTTP ${response.status}`);
    else await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { lastRequestId: ids.last };
}

export const DEMO_INTEGRATION = {
  name: 'demo-partner',
  // Development only: the demo provider's shared secret, printed by `npm start` so its signed-event example works.
  secret: 'demo-partner-signing-secret',
};

/**
 * The demo tenant's integration provider, pointing at the mock services
 * (docs/integrations.md), created or brought back to its demo settings, as
 * the demo owner sets it up; and the id of the last request made for it.
 */
export async function demoIntegration(baseUrl, demo, { mockServicesUrl, requestIdPrefix = 'demo-integration' }) {
  const ids = { prefix: requestIdPrefix, count: 0, last: '' };
  const owner = expectStatus(await call(baseUrl, ids, 'POST', '/api/auth/token/', { body: { email: demo.ownerEmail, password: demo.ownerPassword } }), [200], 'login as the demo owner').body.access;
  const settings = { api_base_url: `${mockServicesUrl}/api/mock`, auth_type: 'api_key', secret_key: DEMO_INTEGRATION.secret, is_active: true, map_users: true };
  const listed = expectStatus(await call(baseUrl, ids, 'GET', `/api/integrations/providers/?tenant=${demo.tenantSlug}&page_size=100`, { token: owner }), [200], 'listing demo providers');
  const current = listed.body.results.find((provider) => provider.name === DEMO_INTEGRATION.name);
  const provider = current
    ? expectStatus(await call(baseUrl, ids, 'PATCH', `/api/integrations/providers/${current.id}/`, { token: owner, body: settings }), [200], 'updating the demo provider')
    : expectStatus(await call(baseUrl, ids, 'POST', '/api/integrations/providers/', { token: owner, body: { tenant: demo.tenantSlug, name: DEMO_INTEGRATION.name, ...settings } }), [201], 'creating the demo provider');
  return { ...DEMO_INTEGRATION, id: provider.body.id, lastRequestId: ids.last };
}
