import { signAccessToken } from '@sluice/auth';
import { expectErrorShape } from '@sluice/testing';
import { randomUUID } from 'node:crypto';
import { login, TEST_PASSWORD, unique, type ApiResponse } from './api-client';
import { addMember, startIdentityWorld, type IdentityWorld } from './identity-fixture';

const JWT_SECRET = 'account-security-suite-signing-secret-0123456789';
const CONSOLE_ORIGIN = 'https://console.sluice.test';

interface AuditPage {
  count: number;
  results: Array<{ event_type: string; payload: { old: Record<string, unknown> | null; new: Record<string, unknown> | null } }>;
}

function expectFieldError(response: ApiResponse, field: string): void {
  expect(response.status).toBe(400);
  expectErrorShape(response.body, 'validation_error');
  expect((response.body as { error: { details: Record<string, string[]> } }).error.details[field]).toEqual(expect.any(Array));
}

describe('account security', () => {
  let world: IdentityWorld;
  const admin = () => world.tokens.platform_admin as string;
  beforeAll(async () => {
    world = await startIdentityWorld({ JWT_SECRET, ALLOWED_ORIGINS: CONSOLE_ORIGIN });
  });
  afterAll(() => world?.app.close());

  describe('tenant settings', () => {
    const tenantEvents = async () =>
      (await world.call<AuditPage>('GET', `/api/audit/events/?tenant_id=${world.tenantA.id}&event_type=tenant.updated`, { token: admin() })).body.count;

    it.each([
      ['too large', { blob: 'x'.repeat(900_000) }],
      ['too deep', { a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } }],
      ['too many keys', Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, i]))],
    ])('refuses settings that are %s, naming the field and recording nothing', async (_, settings) => {
      const before = await tenantEvents();
      const response = await world.call('PATCH', `/api/tenants/${world.tenantA.id}/`, { token: world.tokens.owner, body: { settings } });
      expectFieldError(response, 'settings');
      expect((response.body as { error: { param: string } }).error.param).toBe('settings');
      expect(await tenantEvents()).toBe(before);
    });

    it('records a large but allowed value as its digest, and the chain still verifies', async () => {
      const settings = { banner: 'b'.repeat(10_000), theme: 'dark' };
      expect((await world.call('PATCH', `/api/tenants/${world.tenantA.id}/`, { token: world.tokens.owner, body: { settings } })).status).toBe(200);
      const page = await world.call<AuditPage>('GET', `/api/audit/events/?tenant_id=${world.tenantA.id}&event_type=tenant.updated`, { token: admin() });
      const stored = page.body.results[0].payload.new?.['settings'];
      expect(stored).toEqual({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/), bytes: expect.any(Number) });
      expect(JSON.stringify(page.body)).not.toContain('bbbbbbbbbb');
      const verify = await world.call<{ chain_valid: boolean }>('GET', `/api/audit/verify/?tenant_id=${world.tenantA.id}`, { token: admin() });
      expect(verify.body.chain_valid).toBe(true);
      // The tenant itself keeps the whole value.
      const tenant = await world.call<{ settings: Record<string, unknown> }>('GET', `/api/tenants/${world.tenantA.id}/`, { token: world.tokens.owner });
      expect(tenant.body.settings).toEqual(settings);
    });
  });

  describe('access tokens', () => {
    const tokenFor = async (userId: string, email: string, isPlatformAdmin = false) =>
      (await signAccessToken(JWT_SECRET, { userId, email, isPlatformAdmin, sessionId: randomUUID() }, 300)).token;

    it("refuses a validly signed token of a user that doesn't exist", async () => {
      for (const userId of [randomUUID(), 'not-a-uuid']) {
        const response = await world.call('GET', '/api/tenants/', { token: await tokenFor(userId, 'ghost@example.com') });
        expect(response.status).toBe(401);
        expectErrorShape(response.body, 'unauthorized');
      }
    });

    it('refuses a fresh token of a deactivated user and accepts one of an active user', async () => {
      const email = `${unique('inactive')}@example.com`;
      const member = await addMember(world.call, admin(), world.tenantA.id, email, 'viewer');
      // A route that reads no user row itself: only authentication can tell.
      const tenant = `/api/tenants/${world.tenantA.id}/`;
      expect((await world.call('GET', tenant, { token: await tokenFor(member.user, email) })).status).toBe(200);
      expect((await world.call('DELETE', `/api/users/${member.user}/`, { token: admin() })).status).toBe(204);
      expect((await world.call('GET', tenant, { token: await tokenFor(member.user, email) })).status).toBe(401);
    });

    it("takes the platform admin flag from the user's current row, not from the token", async () => {
      const stale = await tokenFor(world.users.viewer, world.emails.viewer, true);
      expect((await world.call('GET', '/api/users/', { token: stale })).status).toBe(403);
    });
  });

  describe('personal access tokens', () => {
    async function newUser(): Promise<{ email: string; access: string }> {
      const email = `${unique('pat')}@example.com`;
      await addMember(world.call, admin(), world.tenantA.id, email, 'member');
      return { email, access: (await login(world.call, email)).access };
    }
    const createToken = (access: string, body: Record<string, unknown>) =>
      world.call<{ id: string; token: string; scopes: string[]; expires_at: string | null; survive_password_change: boolean }>('POST', '/api/auth/tokens/', { token: access, body });

    it('end at a password change unless created to survive it', async () => {
      const user = await newUser();
      const ending = await createToken(user.access, { name: 'ends' });
      const surviving = await createToken(user.access, { name: 'survives', survive_password_change: true });
      expect(ending.body).toEqual(expect.objectContaining({ survive_password_change: false, scopes: ['read', 'write'] }));
      expect(surviving.body.survive_password_change).toBe(true);
      const changed = await world.call('PATCH', '/api/auth/me/', { token: user.access, body: { password: 'a different long passphrase', current_password: TEST_PASSWORD } });
      expect(changed.status).toBe(200);
      expect((await world.call('GET', '/api/auth/me/', { token: ending.body.token })).status).toBe(401);
      expect((await world.call('GET', '/api/auth/me/', { token: surviving.body.token })).status).toBe(200);
    });

    it('also end when a platform admin sets a new password', async () => {
      const user = await newUser();
      const token = await createToken(user.access, { name: 'ends' });
      const me = await world.call<{ id: string }>('GET', '/api/auth/me/', { token: user.access });
      expect((await world.call('PATCH', `/api/users/${me.body.id}/`, { token: admin(), body: { password: 'reset by the platform admin' } })).status).toBe(200);
      expect((await world.call('GET', '/api/auth/me/', { token: token.body.token })).status).toBe(401);
    });

    it('take an expiry in days, not together with expires_at', async () => {
      const user = await newUser();
      const created = await createToken(user.access, { name: 'week', expires_in_days: 7 });
      expect(created.status).toBe(201);
      const days = (Date.parse(created.body.expires_at as string) - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(6.9);
      expect(days).toBeLessThanOrEqual(7);
      expectFieldError(await createToken(user.access, { name: 'both', expires_in_days: 7, expires_at: '2099-01-01T00:00:00Z' }), 'expires_in_days');
      expectFieldError(await createToken(user.access, { name: 'zero', expires_in_days: 0 }), 'expires_in_days');
    });

    it('with only the read scope read but never write', async () => {
      const user = await newUser();
      const read = await createToken(user.access, { name: 'reader', scopes: ['read'] });
      expect(read.body.scopes).toEqual(['read']);
      expect((await world.call('GET', '/api/auth/me/', { token: read.body.token })).status).toBe(200);
      expect((await world.call('GET', `/api/tenants/${world.tenantA.id}/`, { token: read.body.token })).status).toBe(200);
      const write = await world.call('PATCH', '/api/auth/me/', { token: read.body.token, body: { first_name: 'Mallory' } });
      expect(write.status).toBe(403);
      expectErrorShape(write.body, 'forbidden');
      // Nor can it mint itself a stronger token.
      expect((await createToken(read.body.token, { name: 'escalate' })).status).toBe(403);
      expectFieldError(await createToken(user.access, { name: 'gateway', scopes: ['inference'] }), 'scopes');
      expectFieldError(await createToken(user.access, { name: 'none', scopes: [] }), 'scopes');
    });
  });

  describe('browser sessions', () => {
    async function cookieLogin(email: string, headers: Record<string, string> = {}): Promise<{ status: number; csrf: string; cookie: string }> {
      const response = await fetch(`${world.app.url}/api/auth/login/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams({ username: email, password: TEST_PASSWORD }).toString(),
      });
      const body = (await response.json()) as { csrf_token?: string };
      const cookie = response.headers
        .getSetCookie()
        .map((value) => value.split(';')[0])
        .join('; ');
      return { status: response.status, csrf: body.csrf_token ?? '', cookie };
    }

    it("refuses another session's CSRF token, accepts the session's own", async () => {
      const victim = await cookieLogin(world.emails.viewer);
      const attacker = await cookieLogin(world.emails.member);
      expect(victim.csrf).not.toBe(attacker.csrf);
      // The attacker's token, even planted in the victim's csrf_token cookie, is refused.
      const forged = await world.call('PATCH', '/api/auth/me/', {
        headers: { cookie: `${victim.cookie.replace(/csrf_token=[^;]*/, `csrf_token=${attacker.csrf}`)}`, 'x-csrf-token': attacker.csrf },
        body: { first_name: 'Mallory' },
      });
      expect(forged.status).toBe(403);
      expectErrorShape(forged.body, 'forbidden');
      const own = await world.call('PATCH', '/api/auth/me/', { headers: { cookie: victim.cookie, 'x-csrf-token': victim.csrf }, body: { first_name: 'Vera' } });
      expect(own.status).toBe(200);
    });

    it('refuses cookie sign-in from another site, accepts it from this host and the allowed origins', async () => {
      const crossSite: Array<Record<string, string>> = [{ origin: 'https://evil.example' }, { origin: 'null' }, { referer: 'https://evil.example/login.html' }];
      for (const headers of crossSite) {
        const refused = await fetch(`${world.app.url}/api/auth/login/`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
          body: new URLSearchParams({ username: world.emails.viewer, password: TEST_PASSWORD }).toString(),
        });
        expect(refused.status).toBe(403);
        expect(refused.headers.getSetCookie()).toEqual([]);
        expectErrorShape(await refused.json(), 'forbidden');
      }
      expect((await cookieLogin(world.emails.viewer, { origin: world.app.url })).status).toBe(200);
      expect((await cookieLogin(world.emails.viewer, { referer: `${world.app.url}/console/` })).status).toBe(200);
      expect((await cookieLogin(world.emails.viewer, { origin: CONSOLE_ORIGIN })).status).toBe(200);
    });
  });

  describe('password policy', () => {
    it.each(['aaaaaaaaaa', 'password123', '1234567890'])('refuses %s wherever a password is set', async (password) => {
      const email = `${unique('weak')}@example.com`;
      const register = await world.call('POST', '/api/auth/register/', {
        body: { email, password, password_confirm: password, first_name: 'A', last_name: 'B', tenant_name: unique('t') },
      });
      expectFieldError(register, 'password');
      expect((register.body as { error: { details: { password: string[] } } }).error.details.password.join(' ')).toMatch(/guess|common|repeats|sequence/);
      expectFieldError(await world.call('POST', '/api/users/', { token: admin(), body: { email, password } }), 'password');
      expectFieldError(await world.call('POST', '/api/tenant-users/', { token: admin(), body: { tenant: world.tenantA.id, email, password, role: 'viewer' } }), 'password');
      expectFieldError(await world.call('PATCH', '/api/auth/me/', { token: world.tokens.member, body: { password, current_password: TEST_PASSWORD } }), 'password');
      expect((await world.call('POST', '/api/auth/token/', { body: { email, password } })).status).toBe(401);
    });

    it("refuses a password made of the user's own email", async () => {
      const email = `${unique('selfish')}@example.com`;
      const password = `${email}1`;
      expectFieldError(await world.call('POST', '/api/users/', { token: admin(), body: { email, password } }), 'password');
      const me = await world.call<{ email: string }>('GET', '/api/auth/me/', { token: world.tokens.member });
      expectFieldError(await world.call('PATCH', '/api/auth/me/', { token: world.tokens.member, body: { password: `${me.body.email}!`, current_password: TEST_PASSWORD } }), 'password');
    });

    it('accepts a long passphrase', async () => {
      const email = `${unique('strong')}@example.com`;
      expect((await world.call('POST', '/api/users/', { token: admin(), body: { email, password: 'a long passphrase' } })).status).toBe(201);
    });
  });
});
