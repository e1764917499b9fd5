import { expectErrorShape } from '@sluice/testing';
import { login, TEST_PASSWORD, unique, type ApiResponse } from './api-client';
import { ADMIN_EMAIL, startIdentityWorld, type IdentityWorld } from './identity-fixture';
import { startMailCatcher, type MailCatcher } from './mail-support';

interface ErrorBody {
  error: { code: string; message: string; param: string | null; details: Record<string, unknown> };
}

/** Answers that do not depend on whether an account exists, and no membership without consent (docs/decisions.md). */
describe('account enumeration and forced membership', () => {
  let world: IdentityWorld;
  let catcher: MailCatcher;
  beforeAll(async () => {
    catcher = await startMailCatcher();
    world = await startIdentityWorld({ SMTP_URL: catcher.smtpUrl });
  });
  afterAll(async () => {
    await world?.app.close();
    await catcher?.close();
  });

  function addToA(token: string | null, body: Record<string, unknown>): Promise<ApiResponse<ErrorBody>> {
    return world.call<ErrorBody>('POST', '/api/tenant-users/', { token, body: { tenant: world.tenantA.id, role: 'viewer', ...body } });
  }

  async function membersOfA(): Promise<string[]> {
    const list = await world.call<{ results: Array<{ email: string }> }>('GET', `/api/tenant-users/?tenant=${world.tenantA.id}&page_size=100`, { token: world.tokens.platform_admin });
    return list.body.results.map((row) => row.email).sort();
  }

  it('gives a tenant admin the same 202 invitation for an existing account (with or without a password) as for an unknown email without one, and attaches nobody', async () => {
    const before = await membersOfA();
    const shape = (body: unknown) => {
      const { id, email, expires_at, created_at, ...rest } = body as Record<string, unknown>;
      return { ...rest, id: typeof id, email: typeof email, expires_at: typeof expires_at, created_at: typeof created_at };
    };
    const unknown = await addToA(world.tokens.owner, { email: `${unique('nobody')}@example.com` });
    expect(unknown.status).toBe(202);
    expect(unknown.body).toMatchObject({ status: 'pending', role: 'viewer' });
    for (const email of [ADMIN_EMAIL, world.emails.outsider]) {
      for (const password of [undefined, TEST_PASSWORD]) {
        const answer = await addToA(world.tokens.owner, { email, password });
        expect({ status: answer.status, body: shape(answer.body) }).toEqual({ status: unknown.status, body: shape(unknown.body) });
      }
    }
    expect(await membersOfA()).toEqual(before);
    // Each of them got an invitation by mail, the existing accounts too: no path does less work.
    for (const email of [ADMIN_EMAIL, world.emails.outsider]) expect(catcher.messages(email).length).toBeGreaterThan(0);
    const adminTenants = await world.call<{ tenants: unknown[] }>('GET', '/api/auth/me/', { token: world.tokens.platform_admin });
    expect(adminTenants.body.tenants).toEqual([]);
  });

  it('answers the same for an existing and an unknown user id, and invites by email for a write key alike', async () => {
    const outsider = (await world.call<{ results: Array<{ id: string; email: string }> }>('GET', `/api/users/?search=${encodeURIComponent(world.emails.outsider)}`, { token: world.tokens.platform_admin })).body.results[0];
    const existing = await addToA(world.tokens.admin, { user: outsider.id });
    const unknown = await addToA(world.tokens.admin, { user: '00000000-0000-4000-8000-000000000000' });
    expect(existing.status).toBe(400);
    expect({ status: existing.status, error: existing.body.error }).toEqual({ status: unknown.status, error: unknown.body.error });

    const key = await world.call<{ key: string }>('POST', '/api/api-keys/', { token: world.tokens.owner, body: { tenant: world.tenantA.id, name: unique('key'), scopes: ['write'] } });
    const byKey = await addToA(key.body.key, { email: world.emails.outsider, password: TEST_PASSWORD });
    const byKeyUnknown = await addToA(key.body.key, { email: `${unique('nobody')}@example.com` });
    expect({ status: byKey.status, error: byKey.body.error }).toEqual({ status: byKeyUnknown.status, error: byKeyUnknown.body.error });
    expect(await membersOfA()).not.toContain(world.emails.outsider);
  });

  it('still creates a new account from an email and a password', async () => {
    const email = `${unique('new')}@example.com`;
    expect((await addToA(world.tokens.owner, { email, password: TEST_PASSWORD })).status).toBe(201);
    expect((await login(world.call, email)).access).toEqual(expect.any(String));
  });

  it('lets a platform admin attach an existing account', async () => {
    const added = await addToA(world.tokens.platform_admin, { email: world.emails.outsider });
    expect(added.status).toBe(201);
    expect(await membersOfA()).toContain(world.emails.outsider);
  });

  it('registration answers a taken email exactly as a taken tenant slug, and creates nothing', async () => {
    const register = (email: string, tenantSlug: string) =>
      world.call<ErrorBody>('POST', '/api/auth/register/', {
        body: { email, password: 'another long passphrase', password_confirm: 'another long passphrase', first_name: 'A', last_name: 'B', tenant_name: 'Probe', tenant_slug: tenantSlug },
      });
    const takenEmail = await register(world.emails.viewer, unique('fresh'));
    const takenSlug = await register(`${unique('fresh')}@example.com`, world.tenantB.slug);
    expect(takenEmail.status).toBe(409);
    expectErrorShape(takenEmail.body, 'conflict');
    expect({ status: takenEmail.status, error: takenEmail.body.error }).toEqual({ status: takenSlug.status, error: takenSlug.body.error });
    expect((await world.call('POST', '/api/auth/token/', { body: { email: world.emails.viewer, password: 'another long passphrase' } })).status).toBe(401);
  });
});
