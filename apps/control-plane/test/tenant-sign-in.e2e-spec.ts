import { expectErrorShape } from '@sluice/testing';
import { TEST_PASSWORD, unique } from './api-client';
import { startIdentityWorld, type IdentityWorld } from './identity-fixture';

interface Login {
  access: string;
  refresh: string;
  user: { id: string; email: string; username: string };
}

/** Tenant-bound sign-in, usernames, and registration with a tenant domain. */
describe('tenant-bound sign-in', () => {
  let world: IdentityWorld;
  beforeAll(async () => {
    world = await startIdentityWorld();
  });
  afterAll(() => world?.app.close());

  const token = (body: Record<string, unknown>) => world.call<Login>('POST', '/api/auth/token/', { body });

  it('binds the session to the tenant named by slug: another tenant in X-Tenant-Domain is 403 tenant_mismatch', async () => {
    // The outsider owns tenant B; make them a member of A as well, then bind to B.
    await world.call('POST', '/api/tenant-users/', { token: world.tokens.platform_admin, body: { tenant: world.tenantA.id, email: world.emails.outsider, role: 'viewer' } });
    const bound = await token({ email: world.emails.outsider, password: TEST_PASSWORD, tenant_domain: world.tenantB.slug });
    expect(bound.status).toBe(200);
    const onB = await world.call('GET', '/api/tenant-users/', { token: bound.body.access, headers: { 'X-Tenant-Domain': world.tenantB.slug } });
    expect(onB.status).toBe(200);
    const onA = await world.call('GET', '/api/tenant-users/', { token: bound.body.access, headers: { 'X-Tenant-Domain': world.tenantA.slug } });
    expect(onA.status).toBe(403);
    expectErrorShape(onA.body, 'tenant_mismatch');
    const unknownTenant = await world.call('GET', '/api/auth/me/', { token: bound.body.access, headers: { 'X-Tenant-Domain': 'no-such-tenant' } });
    expect(unknownTenant.status).toBe(403);
    // Naming A in the query is refused too, and a list without a tenant shows B only.
    const byQuery = await world.call('GET', `/api/tenant-users/?tenant=${world.tenantA.id}`, { token: bound.body.access });
    expect(byQuery.status).toBe(403);
    expectErrorShape(byQuery.body, 'tenant_mismatch');
    const listed = await world.call<{ results: Array<{ tenant: string }> }>('GET', '/api/tenant-users/?page_size=100', { token: bound.body.access });
    expect(new Set(listed.body.results.map((row) => row.tenant))).toEqual(new Set([world.tenantB.id]));
    // An unbound session of the same user still sees both.
    const unbound = await token({ email: world.emails.outsider, password: TEST_PASSWORD });
    expect((await world.call('GET', '/api/tenant-users/', { token: unbound.body.access, headers: { 'X-Tenant-Domain': world.tenantA.slug } })).status).toBe(200);
  });

  it('keeps the binding across a refresh', async () => {
    const bound = await token({ email: world.emails.member, password: TEST_PASSWORD, tenant_domain: world.tenantA.slug });
    const refreshed = await world.call<Login>('POST', '/api/auth/token/refresh/', { body: { refresh: bound.body.refresh } });
    expect(refreshed.status).toBe(200);
    const elsewhere = await world.call('GET', '/api/auth/me/', { token: refreshed.body.access, headers: { 'X-Tenant-Domain': world.tenantB.slug } });
    expect(elsewhere.status).toBe(403);
    expectErrorShape(elsewhere.body, 'tenant_mismatch');
  });

  it('gives a non-member, an unknown tenant and a wrong password the same 401', async () => {
    const nonMember = await token({ email: world.emails.viewer, password: TEST_PASSWORD, tenant_domain: world.tenantB.slug });
    const unknown = await token({ email: world.emails.viewer, password: TEST_PASSWORD, tenant_domain: 'no-such-tenant' });
    const wrongPassword = await token({ email: world.emails.viewer, password: `${TEST_PASSWORD}!`, tenant_domain: world.tenantA.slug });
    expect(nonMember.status).toBe(401);
    expect(nonMember.body).toEqual(unknown.body);
    expect(nonMember.body).toEqual(wrongPassword.body);
  });

  it('answers the older envelope on POST /api/tenants/auth/, by tenant domain', async () => {
    const domain = `${unique('acme')}.example.com`;
    expect((await world.call('PATCH', `/api/tenants/${world.tenantA.slug}/`, { token: world.tokens.platform_admin, body: { domain } })).status).toBe(200);
    const answer = await world.call<{ status: string; message: string; data: { token: string; user: { email: string } } }>('POST', '/api/tenants/auth/', {
      body: { email: world.emails.admin, password: TEST_PASSWORD, tenant_domain: domain },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 'success', message: expect.any(String), data: { token: expect.any(String), user: { email: world.emails.admin } } });
    const mismatch = await world.call('GET', '/api/auth/me/', { token: answer.body.data.token, headers: { 'X-Tenant-Domain': world.tenantB.slug } });
    expect(mismatch.status).toBe(403);
    expect((await world.call('GET', '/api/auth/me/', { token: answer.body.data.token, headers: { 'X-Tenant-Domain': domain } })).status).toBe(200);
    const missing = await world.call('POST', '/api/tenants/auth/', { body: { email: world.emails.admin, password: TEST_PASSWORD } });
    expectErrorShape(missing.body, 'validation_error');
  });

  it('ends a bound session when its user leaves the tenant', async () => {
    const email = `${unique('leaver')}@example.com`;
    const added = await world.call<{ id: string }>('POST', '/api/tenant-users/', { token: world.tokens.platform_admin, body: { tenant: world.tenantA.id, email, password: TEST_PASSWORD, role: 'viewer' } });
    const bound = await token({ email, password: TEST_PASSWORD, tenant_domain: world.tenantA.slug });
    expect((await world.call('GET', '/api/auth/me/', { token: bound.body.access })).status).toBe(200);
    await world.call('DELETE', `/api/tenant-users/${added.body.id}/`, { token: world.tokens.platform_admin });
    expect((await world.call('GET', '/api/auth/me/', { token: bound.body.access })).status).toBe(401);
  });

  it('reserves the slug auth', async () => {
    const taken = await world.call('POST', '/api/tenants/', { token: world.tokens.platform_admin, body: { name: 'Auth', slug: 'auth' } });
    expect(taken.status).toBe(400);
    expectErrorShape(taken.body, 'validation_error');
  });
});

describe('usernames and registration with a tenant domain', () => {
  let world: IdentityWorld;
  beforeAll(async () => {
    world = await startIdentityWorld();
  });
  afterAll(() => world?.app.close());

  const register = (fields: Record<string, unknown>) =>
    world.call<Login & { tenant: { id: string; slug: string } }>('POST', '/api/auth/register/', {
      body: { email: `${unique('reg')}@example.com`, password: TEST_PASSWORD, password_confirm: TEST_PASSWORD, first_name: 'Reg', last_name: 'Istrant', tenant_name: unique('Reg Co'), ...fields },
    });

  it("sets the new tenant's domain, and answers a taken domain 409 creating nothing", async () => {
    const domain = `${unique('reg')}.example.org`;
    const first = await register({ tenant_domain: domain });
    expect(first.status).toBe(201);
    const tenant = await world.call<{ domain: string }>('GET', `/api/tenants/${first.body.tenant.slug}/`, { token: first.body.access });
    expect(tenant.body.domain).toBe(domain);
    const email = `${unique('second')}@example.com`;
    const second = await register({ email, tenant_domain: domain.toUpperCase() });
    expect(second.status).toBe(409);
    expectErrorShape(second.body, 'conflict');
    expect((await world.call('POST', '/api/auth/token/', { body: { email, password: TEST_PASSWORD } })).status).toBe(401);
    // Sign-in bound by that domain works for the owner.
    expect((await world.call('POST', '/api/auth/token/', { body: { email: first.body.user.email, password: TEST_PASSWORD, tenant_domain: domain } })).status).toBe(200);
  });

  it('signs in with a username or the email, and keeps usernames unique', async () => {
    const username = unique('ada_l').replace(/-/g, '_');
    const registered = await register({ username });
    expect(registered.status).toBe(201);
    expect(registered.body.user.username).toBe(username);
    const byUsername = await world.call<Login>('POST', '/api/auth/token/', { body: { username, password: TEST_PASSWORD } });
    expect(byUsername.status).toBe(200);
    expect(byUsername.body.user.id).toBe(registered.body.user.id);
    expect((await world.call('POST', '/api/auth/token/', { body: { username: username.toUpperCase(), password: TEST_PASSWORD } })).status).toBe(200);
    expect((await world.call('POST', '/api/auth/token/', { body: { username: registered.body.user.email, password: TEST_PASSWORD } })).status).toBe(200);
    const again = await register({ username: username.toUpperCase() });
    expect(again.status).toBe(409);
    const withAt = await register({ username: 'someone@example.com' });
    expectErrorShape(withAt.body, 'validation_error');
  });

  it('lets a user set or clear a username on the profile; a taken one is 409', async () => {
    const registered = await register({});
    const name = unique('grace').replace(/-/g, '.');
    const set = await world.call<{ username: string }>('PATCH', '/api/auth/me/', { token: registered.body.access, body: { username: name } });
    expect(set.status).toBe(200);
    expect(set.body.username).toBe(name);
    expect((await world.call('POST', '/api/auth/token/', { body: { username: name, password: TEST_PASSWORD } })).status).toBe(200);
    const other = await register({});
    expect((await world.call('PATCH', '/api/auth/me/', { token: other.body.access, body: { username: name.toUpperCase() } })).status).toBe(409);
    const cleared = await world.call<{ username: string; email: string }>('PATCH', '/api/auth/me/', { token: registered.body.access, body: { username: null } });
    expect(cleared.body.username).toBe(cleared.body.email);
    expect((await world.call('POST', '/api/auth/token/', { body: { username: name, password: TEST_PASSWORD } })).status).toBe(401);
  });
});
