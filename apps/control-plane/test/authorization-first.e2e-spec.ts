import { expectErrorShape } from '@sluice/testing';
import { startIdentityWorld, type IdentityWorld } from './identity-fixture';

/** Bodies that fail validation: a non-admin must never get far enough to learn that (issue 15, Low). */
const invalid = { unexpected: true, amount_usd: 'lots', reason: 42 };

describe('platform-admin-only routes check the role before the body', () => {
  let world: IdentityWorld;
  beforeAll(async () => {
    world = await startIdentityWorld();
  });
  afterAll(() => world?.app.close());

  const routes = (w: IdentityWorld): Array<[method: string, path: string]> => [
    ['POST', '/api/tenants/'],
    ['POST', `/api/tenants/${w.tenantA.slug}/suspend/`],
    ['POST', `/api/tenants/${w.tenantA.slug}/credits/`],
    ['POST', `/api/tenants/${w.tenantA.slug}/plan/`],
    ['POST', '/api/users/'],
    ['PATCH', `/api/users/${w.users.member}/`],
    ['POST', '/api/plans/'],
    ['PATCH', '/api/plans/basic/'],
    ['POST', '/api/models/'],
    ['PATCH', '/api/models/mock-chat/'],
    ['POST', '/api/regions/'],
    ['PUT', '/api/regions/us-east/'],
  ];

  it('answers 403 to tenant members, even an owner, posting an invalid body', async () => {
    for (const persona of ['member', 'owner'] as const) {
      for (const [method, path] of routes(world)) {
        const response = await world.call(method, path, { token: world.tokens[persona], body: invalid });
        expect({ persona, method, path, status: response.status }).toEqual({ persona, method, path, status: 403 });
        expectErrorShape(response.body, 'forbidden');
        expect(JSON.stringify(response.body)).not.toMatch(/amount_usd|unexpected|should not exist/);
      }
    }
  });

  it('answers 404 to an outsider for a tenant it cannot see, as everywhere', async () => {
    for (const [method, path] of [
      ['POST', `/api/tenants/${world.tenantA.slug}/credits/`],
      ['PATCH', `/api/tenants/${world.tenantA.slug}/`],
    ]) {
      const response = await world.call(method, path, { token: world.tokens.outsider, body: invalid });
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
      expectErrorShape(response.body, 'not_found');
    }
  });

  it('checks the tenant role before the body when a tenant changes its settings', async () => {
    const path = `/api/tenants/${world.tenantA.slug}/`;
    for (const persona of ['member', 'viewer'] as const) {
      const response = await world.call('PATCH', path, { token: world.tokens[persona], body: invalid });
      expect({ persona, status: response.status }).toEqual({ persona, status: 403 });
      expectErrorShape(response.body, 'forbidden');
    }
    expect((await world.call('PATCH', path, { token: world.tokens.admin, body: invalid })).status).toBe(400);
  });

  it('still validates the body for the platform admin', async () => {
    for (const [method, path] of routes(world)) {
      const response = await world.call(method, path, { token: world.tokens.platform_admin, body: invalid });
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 400 });
    }
  });
});
