import { expectErrorShape, waitUntil } from '@sluice/testing';
import { ProjectionProbe } from './projection-client';
import { unique } from './api-client';
import { startIdentityWorld, type IdentityWorld } from './identity-fixture';

describe('tenant API keys on the control plane (read/write scopes, docs/decisions.md "API keys: scopes and owners")', () => {
  let world: IdentityWorld;
  const keys: Record<'read' | 'write' | 'inference', { id: string; key: string }> = {} as never;
  beforeAll(async () => {
    world = await startIdentityWorld();
    for (const scope of ['read', 'write', 'inference'] as const) {
      const created = await world.call<{ id: string; key: string }>('POST', '/api/api-keys/', {
        token: world.tokens.owner,
        body: { tenant: world.tenantA.id, name: unique(scope), scopes: scope === 'inference' ? ['inference'] : ['inference', scope] },
      });
      if (created.status !== 201) throw new Error(`key creation failed: ${JSON.stringify(created.body)}`);
      keys[scope] = created.body;
    }
  });
  afterAll(() => world?.app.close());

  it('a read key reads its own tenant as a viewer and nothing else', async () => {
    const token = keys.read.key;
    expect((await world.call('GET', `/api/tenants/${world.tenantA.slug}/`, { token })).status).toBe(200);
    expect((await world.call('GET', '/api/tenant-users/', { token })).status).toBe(200);
    const tenants = await world.call<{ results: Array<{ id: string }> }>('GET', '/api/tenants/', { token });
    expect(tenants.body.results.map((tenant) => tenant.id)).toEqual([world.tenantA.id]);
    expect((await world.call('GET', `/api/tenants/${world.tenantB.slug}/`, { token })).status).toBe(404);
    const patch = await world.call('PATCH', `/api/tenants/${world.tenantA.slug}/`, { token, body: { contact_name: 'Read only' } });
    expect(patch.status).toBe(403);
    expectErrorShape(patch.body, 'forbidden');
    expect((await world.call('GET', '/api/auth/me/', { token })).status).toBe(403);
    expect((await world.call('GET', '/api/users/', { token })).status).toBe(403);
  });

  it('a write key manages its tenant as an admin, and audit names the key as the actor', async () => {
    const token = keys.write.key;
    const team = await world.call<{ id: string; tenant: string }>('POST', '/api/teams/', { token, body: { name: unique('by-key') } });
    expect(team.status).toBe(201);
    expect(team.body.tenant).toBe(world.tenantA.id);
    const events = await world.call<{ results: Array<{ actor: unknown }> }>('GET', `/api/audit/events/?tenant_id=${world.tenantA.id}&event_type=team.created&resource_id=${team.body.id}`, { token });
    expect(events.body.results).toEqual([expect.objectContaining({ actor: { type: 'api_key', id: keys.write.id, email: null } })]);
    const grantOwner = await world.call('POST', '/api/tenant-users/', { token, body: { email: `${unique('x')}@example.com`, password: 'a long passphrase', role: 'owner' } });
    expect(grantOwner.status).toBe(403);
  });

  it('refuses inference-only, revoked and malformed keys', async () => {
    const inference = await world.call('GET', `/api/tenants/${world.tenantA.slug}/`, { token: keys.inference.key });
    expect(inference.status).toBe(403);
    const revoke = await world.call('POST', `/api/api-keys/${keys.read.id}/revoke/`, { token: world.tokens.owner });
    expect(revoke.status).toBe(200);
    const revoked = await world.call('GET', `/api/tenants/${world.tenantA.slug}/`, { token: keys.read.key });
    expect(revoked.status).toBe(401);
    expectErrorShape(revoked.body, 'invalid_api_key');
    const malformed = await world.call('GET', `/api/tenants/${world.tenantA.slug}/`, { token: `${keys.write.key.slice(0, -1)}x` });
    expect(malformed.status).toBe(401);
  });

  it("reaches the gateway's records: a team's new limits and a tenant's plan", async () => {
    const probe = new ProjectionProbe(world.app.redisKeyPrefix);
    try {
      const team = await world.call<{ id: string }>('POST', '/api/teams/', { token: world.tokens.owner, body: { name: unique('limited'), limits: { rpm: 100 } } });
      const key = await world.call<{ key: string }>('POST', '/api/api-keys/', { token: world.tokens.owner, body: { tenant: world.tenantA.id, name: unique('team-key'), team: team.body.id } });
      expect(key.status).toBe(201);
      await waitUntil(async () => (await probe.keyRecord(key.body.key))?.team?.limits.rpm === 100, 1000, 'team limits in the key record');
      expect((await world.call('PATCH', `/api/teams/${team.body.id}/`, { token: world.tokens.owner, body: { limits: { rpm: 7 } } })).status).toBe(200);
      await waitUntil(async () => (await probe.keyRecord(key.body.key))?.team?.limits.rpm === 7, 1000, 'new team limits in the key record');

      expect((await world.call('POST', `/api/tenants/${world.tenantA.slug}/plan/`, { token: world.tokens.platform_admin, body: { plan: 'prepaid-professional' } })).status).toBe(200);
      await waitUntil(async () => (await probe.tenantRecord(world.tenantA.id))?.billing_mode === 'prepaid', 1000, 'prepaid plan in the tenant record');
      expect((await probe.tenantRecord(world.tenantA.id))?.plan).toBe('prepaid-professional');
    } finally {
      probe.close();
    }
  });
});
