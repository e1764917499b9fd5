import { expectErrorShape } from '@sluice/testing';
import { apiClient, unique } from './api-client';
import { startControlPlane } from './control-plane-harness';
import { startIdentityWorld, type IdentityWorld } from './identity-fixture';

const SPOOFED = '203.0.113.5';
const REAL = '198.51.100.7';

/**
 * Behind one trusted proxy that appends the address it saw (TRUST_PROXY=1),
 * what a client writes to the left of X-Forwarded-For is ignored: the
 * right-most hop is the client, for key IP allow-lists, the audit chain and
 * throttling alike. Links come from PUBLIC_BASE_URL, never X-Forwarded-Host.
 */
describe('the control plane behind a trusted proxy (TRUST_PROXY=1)', () => {
  let world: IdentityWorld;
  beforeAll(async () => {
    world = await startIdentityWorld({ TRUST_PROXY: '1', PUBLIC_BASE_URL: 'https://sluice.example.com' });
  });
  afterAll(() => world?.app.close());

  const viaProxy = (clientWrote: string | null) => ({ 'x-forwarded-for': clientWrote === null ? REAL : `${clientWrote}, ${REAL}` });

  it("checks a key's IP allow-list against the address the proxy appended, not a spoofed left-most hop", async () => {
    const created = await world.call<{ id: string; key: string }>('POST', '/api/api-keys/', {
      token: world.tokens.owner,
      body: { tenant: world.tenantA.id, name: unique('ip-bound'), scopes: ['inference', 'read'], allowed_ips: [`${SPOOFED}/32`] },
    });
    expect(created.status).toBe(201);
    const token = created.body.key;
    const spoofed = await world.call('GET', `/api/tenants/${world.tenantA.slug}/`, { token, headers: viaProxy(SPOOFED) });
    expect(spoofed.status).toBe(403);
    expectErrorShape(spoofed.body, 'ip_not_allowed');
    const fromAllowed = await world.call('GET', `/api/tenants/${world.tenantA.slug}/`, { token, headers: { 'x-forwarded-for': `${REAL}, ${SPOOFED}` } });
    expect(fromAllowed.status).toBe(200);
  });

  it('writes the address the proxy appended into the audit chain', async () => {
    const team = await world.call<{ id: string }>('POST', '/api/teams/', {
      token: world.tokens.owner,
      body: { tenant: world.tenantA.id, name: unique('audited') },
      headers: viaProxy(SPOOFED),
    });
    expect(team.status).toBe(201);
    const events = await world.call<{ results: Array<{ ip_address: string | null }> }>(
      'GET',
      `/api/audit/events/?tenant_id=${world.tenantA.id}&event_type=team.created&resource_id=${team.body.id}`,
      { token: world.tokens.owner },
    );
    expect(events.body.results.map((event) => event.ip_address)).toEqual([REAL]);
  });

  it('builds pagination links on PUBLIC_BASE_URL whatever X-Forwarded-Host and X-Forwarded-Proto say', async () => {
    const page = await world.call<{ next: string | null }>('GET', `/api/tenant-users/?tenant=${world.tenantA.id}&page_size=1`, {
      token: world.tokens.owner,
      headers: { ...viaProxy(SPOOFED), 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' },
    });
    expect(page.status).toBe(200);
    expect(page.body.next).toMatch(/^https:\/\/sluice\.example\.com\/api\/tenant-users\/\?/);
  });

  it('keeps counting logins per address when the client rewrites the left of X-Forwarded-For each time', async () => {
    const limited = await startControlPlane({ TRUST_PROXY: '1', THROTTLE_LOGIN_PER_MINUTE: '3' });
    try {
      const call = apiClient(limited.url);
      const statuses: number[] = [];
      for (let attempt = 1; attempt <= 4; attempt++) {
        const response = await call('POST', '/api/auth/token/', {
          body: { email: 'victim@example.com', password: 'wrong password!!' },
          headers: { 'x-forwarded-for': `203.0.113.${attempt}, ${REAL}` },
        });
        statuses.push(response.status);
      }
      expect(statuses).toEqual([401, 401, 401, 429]);
    } finally {
      await limited.close();
    }
  });
});
