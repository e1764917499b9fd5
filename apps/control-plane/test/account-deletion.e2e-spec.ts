import { expectErrorShape } from '@sluice/testing';
import { Client } from 'pg';
import { login, TEST_PASSWORD, unique } from './api-client';
import { addMember, startIdentityWorld, type IdentityWorld } from './identity-fixture';

/** Deleting one's own account: personal data erased, credentials ended, memberships gone, the audit chain intact. */
describe('account deletion', () => {
  let world: IdentityWorld;
  beforeAll(async () => {
    world = await startIdentityWorld();
  });
  afterAll(() => world?.app.close());

  const remove = (token: string | null, body: Record<string, unknown>) => world.call('DELETE', '/api/auth/account/', { token, body });

  async function newMember(tenantId: string, role: string): Promise<{ email: string; userId: string; membershipId: string; token: string }> {
    const email = `${unique('leaving')}@example.com`;
    const membership = await addMember(world.call, world.tokens.platform_admin as string, tenantId, email, role);
    return { email, userId: membership.user, membershipId: membership.id, token: (await login(world.call, email)).access };
  }

  it('erases the personal data, ends sessions and personal tokens, removes memberships, and leaves a verifiable audit chain', async () => {
    const leaver = await newMember(world.tenantA.id, 'member');
    const second = await login(world.call, leaver.email);
    const pat = await world.call<{ token: string }>('POST', '/api/auth/tokens/', { token: leaver.token, body: { name: 'cli' } });
    expect(pat.status).toBe(201);
    const key = await world.call<{ key: string }>('POST', '/api/api-keys/', { token: leaver.token, body: { tenant: world.tenantA.id, name: unique('key'), scopes: ['read'] } });
    expect(key.status).toBe(201);

    const deleted = await remove(leaver.token, { password: TEST_PASSWORD, confirm: 'DELETE' });
    expect(deleted.status).toBe(204);

    for (const token of [leaver.token, second.access, pat.body.token, key.body.key]) expect((await world.call('GET', '/api/auth/me/', { token })).status).toBe(401);
    expect((await world.call('POST', '/api/auth/token/', { body: { email: leaver.email, password: TEST_PASSWORD } })).status).toBe(401);
    expect((await world.call('POST', '/api/auth/token/refresh/', { body: { refresh: second.refresh } })).status).toBe(401);
    expect((await world.call('GET', `/api/tenant-users/${leaver.membershipId}/`, { token: world.tokens.platform_admin })).status).toBe(404);

    const user = await world.call<Record<string, unknown>>('GET', `/api/users/${leaver.userId}/`, { token: world.tokens.platform_admin });
    expect(user.body).toMatchObject({ id: leaver.userId, first_name: '', last_name: '', is_active: false });
    expect(JSON.stringify(user.body)).not.toContain(leaver.email);

    // The deletion's own events name the actor by id only; older rows are untouched and the chains still verify.
    const db = new Client({ connectionString: world.app.databaseUrl });
    await db.connect();
    try {
      const events = await db.query<{ actor_id: string; actor_email: string | null; payload: unknown }>(
        "SELECT actor_id, actor_email, payload FROM audit_events WHERE event_type IN ('user.deleted', 'tenant_user.deleted') AND actor_id = $1",
        [leaver.userId],
      );
      expect(events.rows.length).toBe(2);
      for (const row of events.rows) {
        expect(row.actor_email).toBeNull();
        expect(JSON.stringify(row.payload)).not.toContain(leaver.email);
      }
    } finally {
      await db.end();
    }
    const verify = await world.call<{ chain_valid: boolean }>('GET', '/api/audit/verify/', { token: world.tokens.platform_admin });
    expect(verify.body.chain_valid).toBe(true);

    // The address is free again.
    const again = await world.call('POST', '/api/tenant-users/', { token: world.tokens.platform_admin, body: { tenant: world.tenantA.id, email: leaver.email, password: TEST_PASSWORD, role: 'viewer' } });
    expect(again.status).toBe(201);
  });

  it('refuses the only owner of a tenant with other members (409) until ownership moves', async () => {
    const tenant = await world.call<{ id: string; slug: string }>('POST', '/api/auth/register/', {
      body: { email: `${unique('founder')}@example.com`, password: TEST_PASSWORD, password_confirm: TEST_PASSWORD, first_name: 'F', last_name: 'O', tenant_name: unique('Founded') },
    });
    const founder = tenant.body as unknown as { access: string; tenant: { id: string } };
    const colleague = await newMember(founder.tenant.id, 'admin');
    const refused = await remove(founder.access, { password: TEST_PASSWORD, confirm: 'DELETE' });
    expect(refused.status).toBe(409);
    expectErrorShape(refused.body, 'conflict');
    expect((await world.call('GET', '/api/auth/me/', { token: founder.access })).status).toBe(200);

    expect((await world.call('PATCH', `/api/tenant-users/${colleague.membershipId}/`, { token: founder.access, body: { role: 'owner' } })).status).toBe(200);
    expect((await remove(founder.access, { password: TEST_PASSWORD, confirm: 'DELETE' })).status).toBe(204);
  });

  it('needs the password and the word DELETE, changing nothing otherwise', async () => {
    const member = await newMember(world.tenantA.id, 'viewer');
    const wrong = await remove(member.token, { password: 'not my password at all', confirm: 'DELETE' });
    expect(wrong.status).toBe(400);
    expectErrorShape(wrong.body, 'validation_error');
    const unconfirmed = await remove(member.token, { password: TEST_PASSWORD, confirm: 'yes' });
    expectErrorShape(unconfirmed.body, 'validation_error');
    expect((await remove(null, { password: TEST_PASSWORD, confirm: 'DELETE' })).status).toBe(401);
    expect((await world.call('GET', '/api/auth/me/', { token: member.token })).status).toBe(200);
  });
});
