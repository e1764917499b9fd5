import { expectErrorShape, waitUntil } from '@sluice/testing';
import { apiClient, login, TEST_PASSWORD, unique } from './api-client';
import { startControlPlane } from './control-plane-harness';
import { ADMIN_EMAIL, addMember, createActiveTenant, startIdentityWorld, type IdentityWorld } from './identity-fixture';

interface AuditPage {
  count: number;
  results: Array<{ event_type: string; actor: { id: string | null; email: string | null }; payload: { old: Record<string, unknown> | null; new: Record<string, unknown> | null }; request_id: string; resource_id: string }>;
}

describe('identity and tenancy', () => {
  let world: IdentityWorld;
  const admin = () => world.tokens.platform_admin as string;
  beforeAll(async () => {
    world = await startIdentityWorld();
  });
  afterAll(() => world?.app.close());

  describe('sessions', () => {
    it('logs in with username or email and answers `token` plus access/refresh (README.md, "API: signing in and creating a tenant")', async () => {
      const response = await world.call<Record<string, unknown>>('POST', '/api/auth/token/', { body: { username: world.emails.member, password: TEST_PASSWORD } });
      expect(response.status).toBe(200);
      expect(response.body).toEqual(
        expect.objectContaining({ token: response.body['access'], refresh: expect.stringMatching(/^slr_/), token_type: 'Bearer', expires_in: 900 }),
      );
      expect(response.body['user']).toEqual(expect.objectContaining({ email: world.emails.member }));
      expect(JSON.stringify(response.body)).not.toContain('password');
    });

    it('refuses a wrong password, an unknown user and a bad body alike', async () => {
      for (const body of [{ email: world.emails.member, password: 'wrong password!!' }, { email: 'nobody@example.com', password: TEST_PASSWORD }]) {
        const response = await world.call('POST', '/api/auth/token/', { body });
        expect(response.status).toBe(401);
        expectErrorShape(response.body, 'unauthorized');
      }
      const invalid = await world.call('POST', '/api/auth/token/', { body: { password: 5 } });
      expect(invalid.status).toBe(400);
      expectErrorShape(invalid.body, 'validation_error');
    });

    it('accepts both the Bearer and the Token scheme', async () => {
      const { access } = await login(world.call, world.emails.viewer);
      for (const scheme of ['Bearer', 'Token']) {
        const response = await world.call('GET', '/api/auth/me/', { headers: { authorization: `${scheme} ${access}` } });
        expect(response.status).toBe(200);
      }
    });

    it('rotates refresh tokens and revokes the whole family when a used one comes back', async () => {
      const first = await login(world.call, world.emails.viewer);
      const second = await world.call<{ access: string; refresh: string }>('POST', '/api/auth/token/refresh/', { body: { refresh: first.refresh } });
      expect(second.status).toBe(200);
      expect(second.body.refresh).not.toBe(first.refresh);

      const replay = await world.call('POST', '/api/auth/token/refresh/', { body: { refresh: first.refresh } });
      expect(replay.status).toBe(401);
      // The thief's replay revoked the family: the legitimate holder's newer token is dead too.
      const victim = await world.call('POST', '/api/auth/token/refresh/', { body: { refresh: second.body.refresh } });
      expect(victim.status).toBe(401);
      expect((await world.call('GET', '/api/auth/me/', { token: second.body.access })).status).toBe(401);
    });

    it('logout revokes the access token on every replica and the refresh family', async () => {
      const other = await startControlPlane({ DATABASE_URL: world.app.databaseUrl, REDIS_KEY_PREFIX: world.app.redisKeyPrefix });
      try {
        const otherCall = apiClient(other.url);
        const session = await login(world.call, world.emails.viewer);
        expect((await otherCall('GET', '/api/auth/me/', { token: session.access })).status).toBe(200);
        expect((await world.call('POST', '/api/auth/logout/', { token: session.access })).status).toBe(204);
        await waitUntil(async () => (await otherCall('GET', '/api/auth/me/', { token: session.access })).status === 401, 1000, 'logout seen by the second instance');
        expect((await otherCall('POST', '/api/auth/token/refresh/', { body: { refresh: session.refresh } })).status).toBe(401);
      } finally {
        // Closes the app only: its Redis keys are the first instance's too.
        await other.app.close();
      }
    });

    it('a password change needs the current password and ends every other session', async () => {
      const email = `${unique('pw')}@example.com`;
      await addMember(world.call, admin(), world.tenantA.id, email, 'viewer');
      const kept = await login(world.call, email);
      const ended = await login(world.call, email);
      const newPassword = 'an even better passphrase';

      const missing = await world.call('PATCH', '/api/auth/profile/', { token: kept.access, body: { password: newPassword } });
      expect(missing.status).toBe(400);
      expectErrorShape(missing.body, 'validation_error');
      const wrong = await world.call('PATCH', '/api/auth/profile/', { token: kept.access, body: { password: newPassword, current_password: 'not the password' } });
      expect(wrong.status).toBe(400);

      const changed = await world.call('PATCH', '/api/auth/profile/', { token: kept.access, body: { password: newPassword, current_password: TEST_PASSWORD } });
      expect(changed.status).toBe(200);
      expect((await world.call('GET', '/api/auth/me/', { token: kept.access })).status).toBe(200);
      expect((await world.call('GET', '/api/auth/me/', { token: ended.access })).status).toBe(401);
      expect((await world.call('POST', '/api/auth/token/refresh/', { body: { refresh: ended.refresh } })).status).toBe(401);
      expect((await world.call('POST', '/api/auth/token/', { body: { email, password: TEST_PASSWORD } })).status).toBe(401);
      expect((await world.call('POST', '/api/auth/token/', { body: { email, password: newPassword } })).status).toBe(200);
    });

    it('deactivating a user ends its sessions at once', async () => {
      const email = `${unique('gone')}@example.com`;
      const member = await addMember(world.call, admin(), world.tenantA.id, email, 'viewer');
      const session = await login(world.call, email);
      expect((await world.call('DELETE', `/api/users/${member.user}/`, { token: admin() })).status).toBe(204);
      expect((await world.call('GET', '/api/auth/me/', { token: session.access })).status).toBe(401);
      expect((await world.call('POST', '/api/auth/token/', { body: { email, password: TEST_PASSWORD } })).status).toBe(401);
    });

    it('personal access tokens are shown once, act as their user and stop at revocation', async () => {
      const created = await world.call<{ id: string; token: string; prefix: string }>('POST', '/api/auth/tokens/', { token: world.tokens.member, body: { name: 'ci script' } });
      expect(created.status).toBe(201);
      expect(created.body.token).toMatch(/^slp_/);
      const me = await world.call<{ email: string }>('GET', '/api/auth/me/', { token: created.body.token });
      expect(me.body.email).toBe(world.emails.member);
      const listed = await world.call<{ results: Array<Record<string, unknown>> }>('GET', '/api/auth/tokens/', { token: world.tokens.member });
      expect(listed.body.results.map((token) => token['id'])).toContain(created.body.id);
      expect(JSON.stringify(listed.body)).not.toContain(created.body.token);
      // Another user cannot see or revoke it.
      expect((await world.call('DELETE', `/api/auth/tokens/${created.body.id}/`, { token: world.tokens.viewer })).status).toBe(404);
      expect((await world.call('DELETE', `/api/auth/tokens/${created.body.id}/`, { token: world.tokens.member })).status).toBe(204);
      expect((await world.call('GET', '/api/auth/me/', { token: created.body.token })).status).toBe(401);
    });

    it('browser sessions use an HttpOnly cookie and a CSRF check on mutations', async () => {
      const response = await fetch(`${world.app.url}/api/auth/login/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username: world.emails.viewer, password: TEST_PASSWORD }).toString(),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { csrf_token: string };
      expect(JSON.stringify(body)).not.toMatch(/eyJ/);
      const cookies = response.headers.getSetCookie();
      expect(cookies.find((cookie) => cookie.startsWith('access_token='))).toMatch(/HttpOnly/i);
      const cookieHeader = cookies.map((cookie) => cookie.split(';')[0]).join('; ');

      expect((await world.call('GET', '/api/auth/me/', { headers: { cookie: cookieHeader } })).status).toBe(200);
      const forged = await world.call('PATCH', '/api/auth/me/', { headers: { cookie: cookieHeader }, body: { first_name: 'Mallory' } });
      expect(forged.status).toBe(403);
      const allowed = await world.call('PATCH', '/api/auth/me/', { headers: { cookie: cookieHeader, 'x-csrf-token': body.csrf_token }, body: { first_name: 'Vera' } });
      expect(allowed.status).toBe(200);
      // Form bodies are for the login route only.
      const form = await fetch(`${world.app.url}/api/auth/token/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=b' });
      expect(form.status).toBe(415);
    });
  });

  describe('registration', () => {
    it('creates a user, an active tenant and its owner', async () => {
      const email = `${unique('reg')}@example.com`;
      const response = await world.call<{ access: string; tenant: { slug: string } }>('POST', '/api/auth/register/', {
        body: { email, password: TEST_PASSWORD, password_confirm: TEST_PASSWORD, first_name: 'Ada', last_name: 'L', tenant_name: 'Analytical Engines' },
      });
      expect(response.status).toBe(201);
      expect(response.body.tenant.slug).toBe('analytical-engines');
      const tenant = await world.call<{ status: string; user_count: number }>('GET', `/api/tenants/${response.body.tenant.slug}/`, { token: response.body.access });
      expect(tenant.body).toEqual(expect.objectContaining({ status: 'active', user_count: 1 }));
      const again = await world.call('POST', '/api/auth/register/', {
        body: { email: `${unique('reg')}@example.com`, password: TEST_PASSWORD, password_confirm: TEST_PASSWORD, first_name: 'B', last_name: 'C', tenant_name: 'Analytical Engines' },
      });
      expect(again.status).toBe(409);
    });

    it('refuses mismatched passwords and short passwords without creating anything', async () => {
      const email = `${unique('reg')}@example.com`;
      const mismatch = await world.call('POST', '/api/auth/register/', {
        body: { email, password: TEST_PASSWORD, password_confirm: 'something else', first_name: 'A', last_name: 'B', tenant_name: unique('t') },
      });
      expect(mismatch.status).toBe(400);
      const short = await world.call('POST', '/api/auth/register/', { body: { email, password: 'short', password_confirm: 'short', first_name: 'A', last_name: 'B', tenant_name: unique('t') } });
      expect(short.status).toBe(400);
      expect((short.body as { error: { details: Record<string, unknown> } }).error.details).toHaveProperty('password');
      expect((await world.call('POST', '/api/auth/token/', { body: { email, password: TEST_PASSWORD } })).status).toBe(401);
    });

    it('is switched off by ALLOW_SIGNUP=false', async () => {
      const closed = await startControlPlane({ ALLOW_SIGNUP: 'false' });
      try {
        const response = await apiClient(closed.url)('POST', '/api/auth/register/', {
          body: { email: 'x@example.com', password: TEST_PASSWORD, password_confirm: TEST_PASSWORD, first_name: 'A', last_name: 'B', tenant_name: 'Nope' },
        });
        expect(response.status).toBe(403);
      } finally {
        await closed.close();
      }
    });
  });

  describe('tenants', () => {
    it('answers the documented tenant object with quota and user_count', async () => {
      const response = await world.call<Record<string, unknown>>('GET', `/api/tenants/${world.tenantA.slug}/`, { token: world.tokens.viewer });
      expect(Object.keys(response.body).sort()).toEqual(
        [
          'id', 'name', 'slug', 'domain', 'status', 'subscription_tier', 'contact_email', 'contact_name', 'contact_phone', 'billing_email',
          'created_at', 'updated_at', 'activated_at', 'suspended_at', 'suspension_reason', 'settings', 'quota', 'user_count',
          // The billing contact and Stripe fields (docs/billing.md).
          'admin_email', 'phone', 'billing_address', 'stripe_customer_id', 'last_payment', 'billing_status',
          // The rate limits a platform admin set over the plan's (docs/limits.md, Tenant overrides).
          'limits',
        ].sort(),
      );
      expect(response.body['quota']).toEqual(
        expect.objectContaining({ api_calls_limit: 1_000_000, api_calls_used: 0, api_calls_percentage: 0, max_users: 100, current_users: response.body['user_count'] }),
      );
    });

    it('walks the lifecycle and answers 409 to every invalid transition', async () => {
      const slug = unique('life');
      const created = await world.call<{ status: string }>('POST', '/api/tenants/', { token: admin(), body: { name: 'Life', slug } });
      expect(created.body.status).toBe('pending');
      const step = async (action: string, expected: number, body?: unknown) => {
        const response = await world.call<{ status: string }>('POST', `/api/tenants/${slug}/${action}/`, { token: admin(), body });
        expect({ action, status: response.status }).toEqual({ action, status: expected });
        return response.body;
      };
      await step('suspend', 409, { reason: 'x' });
      await step('restore', 409);
      expect((await step('activate', 200)).status).toBe('active');
      await step('activate', 409);
      const suspended = (await step('suspend', 200, { reason: 'Payment overdue' })) as unknown as { status: string; suspension_reason: string };
      expect(suspended).toEqual(expect.objectContaining({ status: 'suspended', suspension_reason: 'Payment overdue' }));
      await step('suspend', 409, { reason: 'again' });
      expect((await step('restore', 200)).status).toBe('active');
      expect((await world.call('DELETE', `/api/tenants/${slug}/`, { token: admin() })).status).toBe(204);
      expect((await world.call('DELETE', `/api/tenants/${slug}/`, { token: admin() })).status).toBe(409);
      expect((await step('restore', 200)).status).toBe('active');
    });

    it('soft-deletes for its owner, who then no longer sees it', async () => {
      const tenant = await createActiveTenant(world.call, admin(), unique('bye'));
      const ownerEmail = `${unique('own')}@example.com`;
      await addMember(world.call, admin(), tenant.id, ownerEmail, 'owner');
      const owner = (await login(world.call, ownerEmail)).access;
      expect((await world.call('DELETE', `/api/tenants/${tenant.slug}/`, { token: owner })).status).toBe(204);
      expect((await world.call('GET', `/api/tenants/${tenant.slug}/`, { token: owner })).status).toBe(404);
      const asAdmin = await world.call<{ status: string }>('GET', `/api/tenants/${tenant.slug}/`, { token: admin() });
      expect(asAdmin.body.status).toBe('deleted');
    });

    it('refuses a duplicate slug with 409 and a bad slug with 400, changing nothing', async () => {
      const duplicate = await world.call('POST', '/api/tenants/', { token: admin(), body: { name: 'Dup', slug: world.tenantA.slug } });
      expect(duplicate.status).toBe(409);
      expectErrorShape(duplicate.body, 'conflict');
      for (const slug of ['AB', 'has space', 'x'.repeat(64), "a'; drop table tenants;--"]) {
        const response = await world.call<{ error: { details: Record<string, unknown> } }>('POST', '/api/tenants/', { token: admin(), body: { name: 'Bad', slug } });
        expect(response.status).toBe(400);
        expect(response.body.error.details).toHaveProperty('slug');
      }
      const unknownField = await world.call('PATCH', `/api/tenants/${world.tenantA.slug}/`, { token: admin(), body: { status: 'active' } });
      expect(unknownField.status).toBe(400);
    });

    it('lists with filters and search', async () => {
      const list = await world.call<{ count: number; results: Array<{ slug: string }> }>('GET', `/api/tenants/?search=${world.tenantB.slug}`, { token: admin() });
      expect(list.body.results.map((tenant) => tenant.slug)).toEqual([world.tenantB.slug]);
      const own = await world.call<{ results: Array<{ slug: string }> }>('GET', '/api/tenants/', { token: world.tokens.outsider });
      expect(own.body.results.map((tenant) => tenant.slug)).toEqual([world.tenantB.slug]);
      expect((await world.call('GET', '/api/tenants/?status=bogus', { token: admin() })).status).toBe(400);
    });

    it('lets a platform admin override quota limits, and enforces max_users with 409', async () => {
      const tenant = await createActiveTenant(world.call, admin(), unique('full'));
      await addMember(world.call, admin(), tenant.id, `${unique('a')}@example.com`, 'owner');
      const patched = await world.call<{ quota: { max_users: number } }>('PATCH', `/api/tenants/${tenant.slug}/`, { token: admin(), body: { quota: { max_users: 2 } } });
      expect(patched.body.quota.max_users).toBe(2);
      await addMember(world.call, admin(), tenant.id, `${unique('b')}@example.com`, 'member');
      const third = await world.call('POST', '/api/tenant-users/', { token: admin(), body: { tenant: tenant.id, email: `${unique('c')}@example.com`, password: TEST_PASSWORD, role: 'member' } });
      expect(third.status).toBe(409);
      expectErrorShape(third.body, 'user_limit_reached');
    });

    it('resolves the tenant from X-Tenant when the caller has several, else answers tenant_required', async () => {
      const email = `${unique('multi')}@example.com`;
      await addMember(world.call, admin(), world.tenantA.id, email, 'admin');
      await addMember(world.call, admin(), world.tenantB.id, email, 'admin');
      const token = (await login(world.call, email)).access;
      const missing = await world.call('POST', '/api/teams/', { token, body: { name: unique('t') } });
      expect(missing.status).toBe(400);
      expectErrorShape(missing.body, 'tenant_required');
      const named = await world.call<{ tenant: string }>('POST', '/api/teams/', { token, body: { name: unique('t') }, headers: { 'x-tenant': world.tenantB.slug } });
      expect(named.status).toBe(201);
      expect(named.body.tenant).toBe(world.tenantB.id);
      const single = await world.call<{ tenant: string }>('POST', '/api/teams/', { token: world.tokens.owner, body: { name: unique('t') } });
      expect(single.body.tenant).toBe(world.tenantA.id);
    });
  });

  describe('teams', () => {
    it("lists every tenant's teams to a platform admin without a tenant, as the keys and memberships lists do", async () => {
      const teamA = await world.call<{ id: string }>('POST', '/api/teams/', { token: admin(), body: { tenant: world.tenantA.id, name: unique('all-a') } });
      const teamB = await world.call<{ id: string }>('POST', '/api/teams/', { token: admin(), body: { tenant: world.tenantB.id, name: unique('all-b') } });
      const all = await world.call<{ count: number; results: Array<{ id: string; tenant: string }> }>('GET', '/api/teams/?page_size=100', { token: admin() });
      expect(all.status).toBe(200);
      expect(all.body.results.map((team) => team.id)).toEqual(expect.arrayContaining([teamA.body.id, teamB.body.id]));
      const one = await world.call<{ results: Array<{ tenant: string }> }>('GET', `/api/teams/?tenant=${world.tenantB.slug}&page_size=100`, { token: admin() });
      expect(one.body.results.length).toBeGreaterThan(0);
      expect(new Set(one.body.results.map((team) => team.tenant))).toEqual(new Set([world.tenantB.id]));
      // A member sees only its own tenant's teams.
      const own = await world.call<{ results: Array<{ tenant: string }> }>('GET', '/api/teams/?page_size=100', { token: world.tokens.viewer });
      expect(new Set(own.body.results.map((team) => team.tenant))).toEqual(new Set([world.tenantA.id]));
    });
  });

  describe('memberships', () => {
    it('keeps the last owner: neither demoted nor removed', async () => {
      const tenant = await createActiveTenant(world.call, admin(), unique('solo'));
      const ownerEmail = `${unique('solo')}@example.com`;
      const membership = await addMember(world.call, admin(), tenant.id, ownerEmail, 'owner');
      const owner = (await login(world.call, ownerEmail)).access;
      const demote = await world.call('PATCH', `/api/tenant-users/${membership.id}/`, { token: owner, body: { role: 'admin' } });
      expect(demote.status).toBe(409);
      expect((await world.call('DELETE', `/api/tenant-users/${membership.id}/`, { token: admin() })).status).toBe(409);
      const second = await addMember(world.call, admin(), tenant.id, `${unique('two')}@example.com`, 'owner');
      expect((await world.call('PATCH', `/api/tenant-users/${membership.id}/`, { token: owner, body: { role: 'admin' } })).status).toBe(200);
      expect((await world.call('DELETE', `/api/tenant-users/${second.id}/`, { token: admin() })).status).toBe(409);
    });

    it('refuses a duplicate membership and an unknown user id', async () => {
      const duplicate = await world.call('POST', '/api/tenant-users/', { token: admin(), body: { tenant: world.tenantA.id, email: world.emails.viewer, role: 'member' } });
      expect(duplicate.status).toBe(409);
      const unknown = await world.call('POST', '/api/tenant-users/', { token: admin(), body: { tenant: world.tenantA.id, user: '00000000-0000-4000-8000-000000000000', role: 'member' } });
      expect(unknown.status).toBe(400);
    });
  });

  describe('isolation', () => {
    it("answers 404 to another tenant's ids on every route and leaves them unchanged", async () => {
      const before = await world.call('GET', `/api/tenants/${world.tenantA.slug}/`, { token: admin() });
      const team = await world.call<{ id: string }>('POST', '/api/teams/', { token: admin(), body: { tenant: world.tenantA.id, name: unique('iso') } });
      const probes: Array<[string, string, unknown?]> = [
        ['GET', `/api/tenants/${world.tenantA.slug}/`],
        ['GET', `/api/tenants/${world.tenantA.id}/`],
        ['PATCH', `/api/tenants/${world.tenantA.slug}/`, { name: 'Pwned' }],
        ['DELETE', `/api/tenants/${world.tenantA.slug}/`],
        ['GET', `/api/tenants/${world.tenantA.slug}/quota/`],
        ['GET', `/api/tenant-users/${world.memberships.owner}/`],
        ['PATCH', `/api/tenant-users/${world.memberships.member}/`, { role: 'viewer' }],
        ['DELETE', `/api/tenant-users/${world.memberships.viewer}/`],
        ['GET', `/api/tenant-users/?tenant=${world.tenantA.id}`],
        ['POST', '/api/tenant-users/', { tenant: world.tenantA.id, email: 'x@example.com', password: TEST_PASSWORD, role: 'viewer' }],
        ['GET', `/api/teams/${team.body.id}/`],
        ['PATCH', `/api/teams/${team.body.id}/`, { name: 'Pwned' }],
        ['DELETE', `/api/teams/${team.body.id}/`],
        ['GET', `/api/teams/?tenant=${world.tenantA.slug}`],
        ['POST', '/api/teams/', { tenant: world.tenantA.id, name: 'Pwned' }],
        ['GET', `/api/audit/events/?tenant_id=${world.tenantA.id}`],
        ['GET', `/api/audit/verify/?tenant_id=${world.tenantA.id}`],
      ];
      for (const [method, path, body] of probes) {
        const response = await world.call(method, path, { token: world.tokens.outsider, body });
        expect({ method, path, status: response.status }).toEqual({ method, path, status: 404 });
        expectErrorShape(response.body, 'not_found');
      }
      const after = await world.call('GET', `/api/tenants/${world.tenantA.slug}/`, { token: admin() });
      expect(after.body).toEqual(before.body);
      expect((await world.call('GET', `/api/teams/${team.body.id}/`, { token: admin() })).status).toBe(200);
    });

    it('does not leak existence: an unknown id and a foreign id answer the same', async () => {
      const unknown = await world.call('GET', '/api/tenants/00000000-0000-4000-8000-000000000000/', { token: world.tokens.outsider });
      const foreign = await world.call('GET', `/api/tenants/${world.tenantA.id}/`, { token: world.tokens.outsider });
      expect(unknown).toEqual(expect.objectContaining({ status: 404 }));
      expect((foreign.body as { error: { message: string } }).error.message).toBe((unknown.body as { error: { message: string } }).error.message);
    });
  });

  describe('audit', () => {
    const events = (query: string) => world.call<AuditPage>('GET', `/api/audit/events/?${query}`, { token: admin() });

    it('records each mutation once, with its actor, old and new values and request id', async () => {
      const mutations: Array<{ eventType: string; run: () => Promise<{ resourceId: string; requestId: string | null }> }> = [
        {
          eventType: 'tenant.updated',
          run: async () => {
            const response = await world.call('PATCH', `/api/tenants/${world.tenantA.slug}/`, { token: world.tokens.owner, body: { contact_name: 'Audited Name' } });
            return { resourceId: world.tenantA.id, requestId: response.headers.get('x-request-id') };
          },
        },
        {
          eventType: 'team.created',
          run: async () => {
            const response = await world.call<{ id: string }>('POST', '/api/teams/', { token: world.tokens.owner, body: { tenant: world.tenantA.id, name: unique('aud') } });
            return { resourceId: response.body.id, requestId: response.headers.get('x-request-id') };
          },
        },
        {
          eventType: 'tenant_user.updated',
          run: async () => {
            const extra = await addMember(world.call, admin(), world.tenantA.id, `${unique('aud')}@example.com`, 'viewer');
            const response = await world.call('PATCH', `/api/tenant-users/${extra.id}/`, { token: world.tokens.owner, body: { role: 'member' } });
            return { resourceId: extra.id, requestId: response.headers.get('x-request-id') };
          },
        },
      ];
      for (const mutation of mutations) {
        const { resourceId, requestId } = await mutation.run();
        const page = await events(`tenant_id=${world.tenantA.id}&event_type=${mutation.eventType}&resource_id=${resourceId}`);
        expect(page.body.count).toBe(1);
        const [event] = page.body.results;
        expect(event.actor).toEqual({ type: 'user', id: world.users.owner, email: world.emails.owner });
        expect(event.request_id).toBe(requestId);
        expect(event.payload.new).not.toBeNull();
      }
      const [update] = (await events(`tenant_id=${world.tenantA.id}&event_type=tenant.updated`)).body.results;
      expect(update.payload.new?.['contact_name']).toBe('Audited Name');
    });

    it('never stores a password', async () => {
      const email = `${unique('secret')}@example.com`;
      await addMember(world.call, admin(), world.tenantA.id, email, 'viewer');
      const page = await events('event_type=user.');
      expect(JSON.stringify(page.body)).not.toContain(TEST_PASSWORD);
    });

    it('filters by type prefix, actor and time, newest first, and verifies each chain', async () => {
      const page = await events(`tenant_id=${world.tenantA.id}&event_type=tenant.`);
      expect(page.body.results.every((event) => event.event_type.startsWith('tenant.'))).toBe(true);
      const ids = page.body.results.map((event) => (event as unknown as { id: number }).id);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      const future = await events(`since=${new Date(Date.now() + 86_400_000).toISOString()}`);
      expect(future.body.count).toBe(0);
      const byActor = await events(`actor_id=${world.users.owner}`);
      expect(byActor.body.count).toBeGreaterThan(0);

      const verify = await world.call<{ chain_valid: boolean; verified_count: number; total_events: number }>('GET', `/api/audit/verify/?tenant_id=${world.tenantA.id}`, { token: world.tokens.admin });
      expect(verify.body).toEqual(expect.objectContaining({ chain_valid: true }));
      expect(verify.body.verified_count).toBe(verify.body.total_events);
      const all = await world.call<{ chain_valid: boolean; chains: unknown[] }>('GET', '/api/audit/verify/', { token: admin() });
      expect(all.body.chain_valid).toBe(true);
      expect(all.body.chains.length).toBeGreaterThanOrEqual(3);
    });

    it('keeps chains valid and gap-free under 50 concurrent mutations of one tenant and of 10 tenants', async () => {
      const tenants = await Promise.all(Array.from({ length: 10 }, () => createActiveTenant(world.call, admin(), unique('conc'))));
      const responses = await Promise.all([
        ...Array.from({ length: 50 }, (_, i) => world.call('PATCH', `/api/tenants/${world.tenantA.slug}/`, { token: admin(), body: { contact_phone: `+1${i}` } })),
        ...tenants.flatMap((tenant) => Array.from({ length: 5 }, (_, i) => world.call('PATCH', `/api/tenants/${tenant.slug}/`, { token: admin(), body: { contact_phone: `+2${i}` } }))),
      ]);
      expect(responses.every((response) => response.status === 200)).toBe(true);
      for (const tenant of [world.tenantA, ...tenants]) {
        const verify = await world.call<{ chain_valid: boolean; verified_count: number; total_events: number }>('GET', `/api/audit/verify/?tenant_id=${tenant.id}`, { token: admin() });
        expect(verify.body).toEqual(expect.objectContaining({ chain_valid: true, verified_count: verify.body.total_events }));
        const seqs = (await world.call<{ results: Array<{ seq: number }> }>('GET', `/api/audit/events/?tenant_id=${tenant.id}&page_size=200`, { token: admin() })).body.results.map((event) => event.seq);
        expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs.length - i));
      }
    });

    it.each([
      ['an unknown filter', 'colour=red'],
      ['a malformed date', 'since=yesterday'],
      ['a non-UUID tenant_id', 'tenant_id=tenant-123'],
      ['a bad event type', "event_type=x' or 1=1"],
    ])('answers 400 to %s', async (_what, query) => {
      const response = await events(query);
      expect(response.status).toBe(400);
      expectErrorShape(response.body, 'validation_error');
    });

    it('leaves no event for a mutation that failed', async () => {
      const before = (await events(`tenant_id=${world.tenantA.id}`)).body.count;
      const duplicate = await world.call('POST', '/api/teams/', { token: admin(), body: { tenant: world.tenantA.id, name: 'dup-team' } });
      expect(duplicate.status).toBe(201);
      expect((await world.call('POST', '/api/teams/', { token: admin(), body: { tenant: world.tenantA.id, name: 'dup-team' } })).status).toBe(409);
      expect((await events(`tenant_id=${world.tenantA.id}`)).body.count).toBe(before + 1);
    });
  });

  it('bootstraps exactly one platform admin', async () => {
    const users = await world.call<{ results: Array<{ email: string; is_platform_admin: boolean }> }>('GET', '/api/users/?search=root%40sluice', { token: admin() });
    expect(users.body.results).toEqual([expect.objectContaining({ email: ADMIN_EMAIL, is_platform_admin: true })]);
  });
});
