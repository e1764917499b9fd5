import type { IdentityWorld, Persona } from './identity-fixture';
import { describeRoleMatrix, type MatrixCase } from './role-matrix-runner';

/** A fresh key of tenant A created by `persona` (the platform admin unless said otherwise). */
const keyBy =
  (persona: Persona = 'platform_admin') =>
  async (world: IdentityWorld): Promise<Record<string, string>> => {
    const response = await world.call<{ id: string }>('POST', '/api/api-keys/', { token: world.tokens[persona], body: { tenant: world.tenantA.id, name: 'matrix' } });
    if (response.status !== 201) throw new Error(`key creation failed: ${response.status}`);
    return { key: response.body.id };
  };

/**
 * The role table for `/api/api-keys/` (docs/decisions.md, "API keys: scopes and owners"): viewers read key metadata;
 * members create keys and manage only their own; admins and owners manage
 * all of the tenant's; other tenants' users get 404.
 */
const CASES: MatrixCase[] = [
  { action: 'list keys', expected: [200, 200, 200, 200, 404, 200, 401], request: (w) => ({ method: 'GET', path: `/api/api-keys/?tenant=${w.tenantA.id}` }) },
  { action: 'read a key', expected: [200, 200, 200, 200, 404, 200, 401], prepare: keyBy(), request: (_w, p) => ({ method: 'GET', path: `/api/api-keys/${p['key']}/` }) },
  { action: 'create a key', expected: [201, 201, 201, 403, 404, 201, 401], request: (w) => ({ method: 'POST', path: '/api/api-keys/', body: { tenant: w.tenantA.id, name: 'matrix' } }) },
  { action: "patch someone else's key", expected: [200, 200, 403, 403, 404, 200, 401], prepare: keyBy(), request: (_w, p) => ({ method: 'PATCH', path: `/api/api-keys/${p['key']}/`, body: { name: 'renamed' } }) },
  { action: "revoke someone else's key", expected: [200, 200, 403, 403, 404, 200, 401], prepare: keyBy(), request: (_w, p) => ({ method: 'POST', path: `/api/api-keys/${p['key']}/revoke/` }) },
  { action: "rotate someone else's key", expected: [200, 200, 403, 403, 404, 200, 401], prepare: keyBy(), request: (_w, p) => ({ method: 'POST', path: `/api/api-keys/${p['key']}/rotate/`, body: { grace_seconds: 60 } }) },
  { action: "revoke the member's own key", expected: [200, 200, 200, 403, 404, 200, 401], prepare: keyBy('member'), request: (_w, p) => ({ method: 'POST', path: `/api/api-keys/${p['key']}/revoke/` }) },
  { action: "rotate the member's own key", expected: [200, 200, 200, 403, 404, 200, 401], prepare: keyBy('member'), request: (_w, p) => ({ method: 'POST', path: `/api/api-keys/${p['key']}/rotate/` }) },
  { action: "delete someone else's key", expected: [204, 204, 403, 403, 404, 204, 401], prepare: keyBy(), request: (_w, p) => ({ method: 'DELETE', path: `/api/api-keys/${p['key']}/`, body: { confirm: true } }) },
  { action: "delete the member's own key", expected: [204, 204, 204, 403, 404, 204, 401], prepare: keyBy('member'), request: (_w, p) => ({ method: 'DELETE', path: `/api/api-keys/${p['key']}/`, body: { confirm: true } }) },
  { action: "read a key's live limits", expected: [200, 200, 200, 200, 404, 200, 401], prepare: keyBy(), request: (_w, p) => ({ method: 'GET', path: `/api/api-keys/${p['key']}/limits/` }) },
  { action: "read the tenant's live limits", expected: [200, 200, 200, 200, 404, 200, 401], request: (w) => ({ method: 'GET', path: `/api/tenants/${w.tenantA.slug}/limits/` }) },
  { action: "set the tenant's rate limits", expected: [403, 403, 403, 403, 404, 200, 401], request: (w) => ({ method: 'PATCH', path: `/api/tenants/${w.tenantA.slug}/`, body: { limits: { tph: 1_000_000 } } }) },
  { action: 'read usage by team', expected: [200, 200, 200, 200, 404, 200, 401], request: (w) => ({ method: 'GET', path: `/api/tenants/${w.tenantA.slug}/usage/?group_by=team` }) },
  { action: 'bulk-rotate the tenant', expected: [200, 200, 403, 403, 404, 200, 401], request: (w) => ({ method: 'POST', path: '/api/api-keys/bulk-rotate/', body: { tenant: w.tenantA.id, grace_seconds: 0 } }) },
  { action: 'list models', expected: [200, 200, 200, 200, 200, 200, 401], request: () => ({ method: 'GET', path: '/api/models/' }) },
  { action: 'list regions', expected: [200, 200, 200, 200, 200, 200, 401], request: () => ({ method: 'GET', path: '/api/regions/' }) },
  { action: 'disable a model', expected: [403, 403, 403, 403, 403, 200, 401], request: () => ({ method: 'PATCH', path: '/api/models/gpt-4/', body: { enabled: true } }) },
];

describeRoleMatrix('API key role × action matrix', CASES);
