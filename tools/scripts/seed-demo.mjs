// The demo data `npm start` creates through the control plane's own API (so it
// is audited like anything else): a tenant `demo` and its owner. Safe to run
// again: what exists already is left as it is.

export const DEMO = {
  tenantSlug: 'demo',
  ownerEmail: 'owner@demo.sluice.local',
  ownerPassword: 'sluice-demo-owner',
};

async function call(baseUrl, method, path, { token, body } = {}) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {} };
}

function expectStatus(response, accepted, what) {
  if (!accepted.includes(response.status)) throw new Error(`${what}: HTTP ${response.status} ${JSON.stringify(response.body)}`);
  return response;
}

export async function seedDemo(baseUrl, { adminEmail, adminPassword }) {
  const login = expectStatus(await call(baseUrl, 'POST', '/api/auth/token/', { body: { email: adminEmail, password: adminPassword } }), [200], `login as ${adminEmail}`);
  const token = login.body.access;
  expectStatus(await call(baseUrl, 'POST', '/api/tenants/', { token, body: { name: 'Demo Company', slug: DEMO.tenantSlug, contact_email: DEMO.ownerEmail } }), [201, 409], 'demo tenant');
  expectStatus(await call(baseUrl, 'POST', `/api/tenants/${DEMO.tenantSlug}/activate/`, { token }), [200, 409], 'activating the demo tenant');
  expectStatus(
    await call(baseUrl, 'POST', '/api/tenant-users/', { token, body: { tenant: DEMO.tenantSlug, email: DEMO.ownerEmail, password: DEMO.ownerPassword, role: 'owner', first_name: 'Demo', last_name: 'Owner' } }),
    [201, 409],
    'demo owner',
  );
  return { ...DEMO };
}
