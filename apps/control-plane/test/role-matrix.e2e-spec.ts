import { TEST_PASSWORD, unique, type Call } from './api-client';
import { addMember, type IdentityWorld } from './identity-fixture';
import { describeRoleMatrix, type MatrixCase } from './role-matrix-runner';

const adminCall = (world: IdentityWorld): Call => (method, path, options = {}) => world.call(method, path, { token: world.tokens.platform_admin, ...options });

async function freshTeam(world: IdentityWorld): Promise<Record<string, string>> {
  const team = await adminCall(world)<{ id: string }>('POST', '/api/teams/', { body: { tenant: world.tenantA.id, name: unique('team') } });
  return { team: team.body.id };
}

async function freshViewer(world: IdentityWorld): Promise<Record<string, string>> {
  const membership = await addMember(world.call, world.tokens.platform_admin as string, world.tenantA.id, `${unique('extra')}@example.com`, 'viewer');
  return { membership: membership.id };
}

/**
 * The tenant role table (owner > admin > member > viewer; docs/security.md), one row per endpoint and action: what owner, admin,
 * member, viewer, a user of another tenant, a platform admin and an anonymous
 * caller each get.
 */
const CASES: MatrixCase[] = [
  { action: 'read tenant', expected: [200, 200, 200, 200, 404, 200, 401], request: (w) => ({ method: 'GET', path: `/api/tenants/${w.tenantA.slug}/` }) },
  { action: 'read tenant by id', expected: [200, 200, 200, 200, 404, 200, 401], request: (w) => ({ method: 'GET', path: `/api/tenants/${w.tenantA.id}` }) },
  { action: 'list tenants', expected: [200, 200, 200, 200, 200, 200, 401], request: () => ({ method: 'GET', path: '/api/tenants/' }) },
  { action: 'update tenant contact', expected: [200, 200, 403, 403, 404, 200, 401], request: (w) => ({ method: 'PATCH', path: `/api/tenants/${w.tenantA.slug}/`, body: { contact_name: unique('name') } }) },
  { action: 'change subscription tier', expected: [403, 403, 403, 403, 404, 200, 401], request: (w) => ({ method: 'PATCH', path: `/api/tenants/${w.tenantA.slug}/`, body: { subscription_tier: 'professional' } }) },
  { action: 'create tenant', expected: [403, 403, 403, 403, 403, 201, 401], request: () => ({ method: 'POST', path: '/api/tenants/', body: { name: 'New', slug: unique('new') } }) },
  {
    action: 'suspend tenant',
    expected: [403, 403, 403, 403, 404, 200, 401],
    request: (w) => ({ method: 'POST', path: `/api/tenants/${w.tenantA.slug}/suspend/`, body: { reason: 'Payment overdue' } }),
    cleanup: async (w) => void (await adminCall(w)('POST', `/api/tenants/${w.tenantA.slug}/restore/`)),
  },
  { action: 'read quota', expected: [200, 200, 200, 200, 404, 200, 401], request: (w) => ({ method: 'GET', path: `/api/tenants/${w.tenantA.slug}/quota/` }) },
  { action: 'reset quota', expected: [403, 403, 403, 403, 404, 200, 401], request: (w) => ({ method: 'POST', path: `/api/tenants/${w.tenantA.slug}/reset_quota/` }) },
  { action: 'list members', expected: [200, 200, 200, 200, 404, 200, 401], request: (w) => ({ method: 'GET', path: `/api/tenant-users/?tenant=${w.tenantA.id}` }) },
  { action: 'read a member', expected: [200, 200, 200, 200, 404, 200, 401], request: (w) => ({ method: 'GET', path: `/api/tenant-users/${w.memberships.member}/` }) },
  {
    action: 'add a viewer',
    expected: [201, 201, 403, 403, 404, 201, 401],
    request: (w) => ({ method: 'POST', path: '/api/tenant-users/', body: { tenant: w.tenantA.id, email: `${unique('new')}@example.com`, password: TEST_PASSWORD, role: 'viewer' } }),
  },
  {
    action: 'add an owner',
    expected: [201, 403, 403, 403, 404, 201, 401],
    request: (w) => ({ method: 'POST', path: '/api/tenant-users/', body: { tenant: w.tenantA.id, email: `${unique('new')}@example.com`, password: TEST_PASSWORD, role: 'owner' } }),
  },
  {
    action: "change a viewer's role",
    expected: [200, 200, 403, 403, 404, 200, 401],
    prepare: freshViewer,
    request: (_w, p) => ({ method: 'PATCH', path: `/api/tenant-users/${p['membership']}/`, body: { role: 'member' } }),
  },
  {
    action: 'remove a viewer',
    expected: [204, 204, 403, 403, 404, 204, 401],
    prepare: freshViewer,
    request: (_w, p) => ({ method: 'DELETE', path: `/api/tenant-users/${p['membership']}/` }),
  },
  { action: "demote the tenant's owner", expected: [200, 403, 403, 403, 404, 200, 401], prepare: async (w) => {
      // A second owner, so that demoting one never hits the last-owner rule.
      const second = await addMember(w.call, w.tokens.platform_admin as string, w.tenantA.id, `${unique('owner2')}@example.com`, 'owner');
      return { membership: second.id };
    }, request: (_w, p) => ({ method: 'PATCH', path: `/api/tenant-users/${p['membership']}/`, body: { role: 'admin' } }) },
  { action: 'list teams', expected: [200, 200, 200, 200, 404, 200, 401], request: (w) => ({ method: 'GET', path: `/api/teams/?tenant=${w.tenantA.slug}` }) },
  { action: 'create team', expected: [201, 201, 403, 403, 404, 201, 401], request: (w) => ({ method: 'POST', path: '/api/teams/', body: { tenant: w.tenantA.id, name: unique('team'), limits: { rpm: 100 } } }) },
  { action: 'read team', expected: [200, 200, 200, 200, 404, 200, 401], prepare: freshTeam, request: (_w, p) => ({ method: 'GET', path: `/api/teams/${p['team']}/` }) },
  { action: 'update team', expected: [200, 200, 403, 403, 404, 200, 401], prepare: freshTeam, request: (_w, p) => ({ method: 'PATCH', path: `/api/teams/${p['team']}/`, body: { description: 'updated' } }) },
  { action: 'delete team', expected: [204, 204, 403, 403, 404, 204, 401], prepare: freshTeam, request: (_w, p) => ({ method: 'DELETE', path: `/api/teams/${p['team']}/` }) },
  {
    action: 'add team member',
    expected: [201, 201, 403, 403, 404, 201, 401],
    prepare: async (w) => ({ ...(await freshTeam(w)), ...(await freshViewer(w)) }),
    request: (_w, p) => ({ method: 'POST', path: `/api/teams/${p['team']}/members/`, body: { member: p['membership'] } }),
  },
  { action: 'list users', expected: [403, 403, 403, 403, 403, 200, 401], request: () => ({ method: 'GET', path: '/api/users/' }) },
  { action: 'read a user', expected: [403, 403, 403, 403, 403, 200, 401], request: (w) => ({ method: 'GET', path: `/api/users/${w.users.member}/` }) },
  { action: 'list audit events', expected: [200, 200, 403, 403, 404, 200, 401], request: (w) => ({ method: 'GET', path: `/api/audit/events/?tenant_id=${w.tenantA.id}` }) },
  { action: 'verify audit chain', expected: [200, 200, 403, 403, 404, 200, 401], request: (w) => ({ method: 'GET', path: `/api/audit/verify/?tenant_id=${w.tenantA.id}` }) },
  { action: 'read profile', expected: [200, 200, 200, 200, 200, 200, 401], request: () => ({ method: 'GET', path: '/api/auth/profile/' }) },
  { action: 'list personal tokens', expected: [200, 200, 200, 200, 200, 200, 401], request: () => ({ method: 'GET', path: '/api/auth/tokens/' }) },
];

describeRoleMatrix('role × action matrix', CASES);
