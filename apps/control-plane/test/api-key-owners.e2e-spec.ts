import { expectErrorShape } from '@sluice/testing';
import { Client } from 'pg';
import { login, unique } from './api-client';
import { addMember, startIdentityWorld, type IdentityWorld } from './identity-fixture';

interface KeyBody {
  id: string;
  key: string;
  scopes: string[];
  status: string;
  created_by: string | null;
  service: boolean;
}

/** Issue 15: a key never acts above its owner's current role, and service keys are explicit. */
describe('API keys and the role of their owner', () => {
  let world: IdentityWorld;
  let admin: string;

  beforeAll(async () => {
    world = await startIdentityWorld();
    admin = world.tokens.platform_admin as string;
  });
  afterAll(() => world?.app.close());

  /** A fresh user of tenant A with `role`, signed in: scenarios that demote or remove it touch nobody else. */
  async function person(role: string): Promise<{ membershipId: string; userId: string; token: string }> {
    const email = `${unique(role)}@example.com`;
    const membership = await addMember(world.call, admin, world.tenantA.id, email, role);
    return { membershipId: membership.id, userId: membership.user, token: (await login(world.call, email)).access };
  }

  async function createKey(token: string, body: Record<string, unknown>): Promise<KeyBody> {
    const created = await world.call<KeyBody>('POST', '/api/api-keys/', { token, body: { tenant: world.tenantA.id, name: unique('key'), ...body } });
    if (created.status !== 201) throw new Error(`key creation failed: ${created.status} ${JSON.stringify(created.body)}`);
    return created.body;
  }

  function readTenant(key: string) {
    return world.call('GET', `/api/tenants/${world.tenantA.slug}/`, { token: key });
  }

  it('refuses a member a write key or a service key (403) and gives it inference and read keys', async () => {
    const member = await person('member');
    for (const body of [{ scopes: ['read', 'write'] }, { scopes: ['write'] }, { service: true }]) {
      const refused = await world.call('POST', '/api/api-keys/', { token: member.token, body: { tenant: world.tenantA.id, name: unique('key'), ...body } });
      expect(refused.status).toBe(403);
      expectErrorShape(refused.body, 'forbidden');
    }
    const key = await createKey(member.token, { scopes: ['inference', 'read'] });
    expect(key).toEqual(expect.objectContaining({ created_by: member.userId, service: false }));
  });

  it("never lets a key's scopes exceed its owner's role at update: 403 for the member, 400 for an admin", async () => {
    const member = await person('member');
    const key = await createKey(member.token, { scopes: ['read'] });
    const own = await world.call('PATCH', `/api/api-keys/${key.id}/`, { token: member.token, body: { scopes: ['read', 'write'] } });
    expect(own.status).toBe(403);
    expectErrorShape(own.body, 'forbidden');
    const byAdmin = await world.call('PATCH', `/api/api-keys/${key.id}/`, { token: world.tokens.admin, body: { scopes: ['write'] } });
    expect(byAdmin.status).toBe(400);
    expectErrorShape(byAdmin.body, 'validation_error');
    expect((await world.call<KeyBody>('GET', `/api/api-keys/${key.id}/`, { token: admin })).body.scopes).toEqual(['read']);
  });

  it("a member's key cannot promote the member or create admins", async () => {
    const member = await person('member');
    const key = await createKey(member.token, { scopes: ['inference', 'read'] });
    const promote = await world.call('PATCH', `/api/tenant-users/${member.membershipId}/`, { token: key.key, body: { role: 'admin' } });
    expect(promote.status).toBe(403);
    const newAdmin = await world.call('POST', '/api/tenant-users/', { token: key.key, body: { email: `${unique('x')}@example.com`, password: 'a long passphrase', role: 'admin' } });
    expect(newAdmin.status).toBe(403);
    expect((await world.call<{ role: string }>('GET', `/api/tenant-users/${member.membershipId}/`, { token: admin })).body.role).toBe('member');
  });

  it("revokes a member's keys when the member is removed: refused at once", async () => {
    const member = await person('member');
    const key = await createKey(member.token, { scopes: ['read'] });
    expect((await readTenant(key.key)).status).toBe(200);
    expect((await world.call('DELETE', `/api/tenant-users/${member.membershipId}/`, { token: world.tokens.owner })).status).toBe(204);
    const refused = await readTenant(key.key);
    expect(refused.status).toBe(401);
    expectErrorShape(refused.body, 'invalid_api_key');
    expect((await world.call<KeyBody>('GET', `/api/api-keys/${key.id}/`, { token: admin })).body.status).toBe('revoked');
  });

  it('revokes the keys of a member who leaves on their own', async () => {
    const member = await person('member');
    const key = await createKey(member.token, { scopes: ['read'] });
    expect((await world.call('DELETE', `/api/tenant-users/${member.membershipId}/`, { token: member.token })).status).toBe(204);
    expect((await readTenant(key.key)).status).toBe(401);
  });

  it("revokes a deactivated user's keys", async () => {
    const owner = await person('admin');
    const key = await createKey(owner.token, { scopes: ['read', 'write'] });
    expect((await world.call('PATCH', `/api/users/${owner.userId}/`, { token: admin, body: { is_active: false } })).status).toBe(200);
    const refused = await readTenant(key.key);
    expect(refused.status).toBe(401);
    expectErrorShape(refused.body, 'invalid_api_key');
  });

  it("narrows a demoted admin's write key to read and inference, and revokes it on demotion to viewer", async () => {
    const demoted = await person('admin');
    const key = await createKey(demoted.token, { scopes: ['read', 'write'] });
    const rename = { token: key.key, body: { contact_name: unique('by-key') } };
    expect((await world.call('PATCH', `/api/tenants/${world.tenantA.slug}/`, rename)).status).toBe(200);

    expect((await world.call('PATCH', `/api/tenant-users/${demoted.membershipId}/`, { token: world.tokens.owner, body: { role: 'member' } })).status).toBe(200);
    const narrowed = await world.call('PATCH', `/api/tenants/${world.tenantA.slug}/`, rename);
    expect(narrowed.status).toBe(403);
    expectErrorShape(narrowed.body, 'forbidden');
    expect((await readTenant(key.key)).status).toBe(200);
    expect((await world.call<KeyBody>('GET', `/api/api-keys/${key.id}/`, { token: admin })).body).toEqual(expect.objectContaining({ status: 'active', scopes: ['inference', 'read'] }));

    expect((await world.call('PATCH', `/api/tenant-users/${demoted.membershipId}/`, { token: world.tokens.owner, body: { role: 'viewer' } })).status).toBe(200);
    expect((await readTenant(key.key)).status).toBe(401);
  });

  it("keys created by a key belong to that key's owner and go with them", async () => {
    const owner = await person('admin');
    const parent = await createKey(owner.token, { scopes: ['write'] });
    const child = await createKey(parent.key, { scopes: ['read'] });
    expect(child.created_by).toBe(owner.userId);
    expect((await world.call('DELETE', `/api/tenant-users/${owner.membershipId}/`, { token: world.tokens.owner })).status).toBe(204);
    expect((await readTenant(child.key)).status).toBe(401);
  });

  it('service keys are explicit, owned by nobody, for owners and admins, and outlive their creator', async () => {
    const creator = await person('admin');
    const service = await createKey(creator.token, { service: true, scopes: ['read'] });
    expect(service).toEqual(expect.objectContaining({ created_by: null, service: true }));
    expect((await world.call('DELETE', `/api/tenant-users/${creator.membershipId}/`, { token: world.tokens.owner })).status).toBe(204);
    expect((await readTenant(service.key)).status).toBe(200);
    const viewer = await world.call('POST', '/api/api-keys/', { token: world.tokens.viewer, body: { tenant: world.tenantA.id, name: unique('key'), service: true } });
    expect(viewer.status).toBe(403);
  });

  it('acts with at most the owner\'s current role even when the key row says more (keys written before this rule)', async () => {
    const member = await person('member');
    const key = await createKey(member.token, { scopes: ['read'] });
    const db = new Client({ connectionString: world.app.databaseUrl });
    await db.connect();
    try {
      // What a member could create before: a write key, which then acted as an admin.
      await db.query(`UPDATE api_keys SET scopes = '{read,write}' WHERE id = $1`, [key.id]);
      const promote = await world.call('PATCH', `/api/tenant-users/${member.membershipId}/`, { token: key.key, body: { role: 'admin' } });
      expect(promote.status).toBe(403);
      expect((await readTenant(key.key)).status).toBe(200);
      // A membership gone without the hook (as before this rule): the key has no owner in the tenant.
      await db.query('DELETE FROM tenant_users WHERE id = $1', [member.membershipId]);
      expect((await readTenant(key.key)).status).toBe(401);
    } finally {
      await db.end();
    }
  });

  it("keys of a platform admin work in tenants where it holds no membership", async () => {
    const key = await createKey(admin, { scopes: ['read'] });
    expect(key.created_by).not.toBeNull();
    expect((await readTenant(key.key)).status).toBe(200);
  });
});

describe('control-plane key authentication and tenant status (issue 15, Low)', () => {
  let world: IdentityWorld;
  beforeAll(async () => {
    world = await startIdentityWorld();
  });
  afterAll(() => world?.app.close());

  it("refuses a suspended or deleted tenant's key as the gateway does (403 tenant_suspended), and serves it again once restored", async () => {
    const admin = world.tokens.platform_admin as string;
    const created = await world.call<KeyBody>('POST', '/api/api-keys/', { token: world.tokens.owner, body: { tenant: world.tenantA.id, name: unique('key'), scopes: ['read'] } });
    const key = created.body.key;
    expect((await world.call('GET', '/api/api-keys/', { token: key })).status).toBe(200);

    await world.call('POST', `/api/tenants/${world.tenantA.slug}/suspend/`, { token: admin, body: { reason: 'Payment overdue' } });
    const suspended = await world.call<{ error: { message: string } }>('GET', '/api/api-keys/', { token: key });
    expect(suspended.status).toBe(403);
    expectErrorShape(suspended.body, 'tenant_suspended');
    expect(suspended.body.error.message).toBe(`Tenant ${world.tenantA.slug} is suspended: Payment overdue`);
    await world.call('POST', `/api/tenants/${world.tenantA.slug}/restore/`, { token: admin });
    expect((await world.call('GET', '/api/api-keys/', { token: key })).status).toBe(200);

    expect((await world.call('DELETE', `/api/tenants/${world.tenantA.slug}/`, { token: world.tokens.owner })).status).toBe(204);
    const deleted = await world.call('GET', '/api/api-keys/', { token: key });
    expect(deleted.status).toBe(403);
    expectErrorShape(deleted.body, 'tenant_suspended');
  });
});
