import type { ApiKeyRecordV1, KeyScope, TenantRecordV1 } from '@sluice/contracts';
import { isIpAllowed } from './ip-allow-list';
import { isOriginHostAllowed, requestOriginHost, type RequestOrigin } from './origin-allow-list';
import { hasScope } from './scopes';

export type KeyRefusalCode = 'invalid_api_key' | 'key_expired' | 'forbidden' | 'tenant_suspended' | 'ip_not_allowed' | 'origin_not_allowed';

export interface KeyRefusal {
  code: KeyRefusalCode;
  message: string;
}

export interface KeyPolicyInput {
  key: Pick<ApiKeyRecordV1, 'status' | 'expires_at' | 'scopes' | 'allowed_ips' | 'allowed_origins' | 'allow_no_origin'> | null;
  /** The key's tenant; null when it no longer exists. */
  tenant: Pick<TenantRecordV1, 'slug' | 'status' | 'status_reason'> | null;
  /** The scope the route needs. */
  scope: KeyScope;
  clientIp: string;
  /** The request's `Origin` and `Referer`, where browsers call (the gateway); absent, the domain restriction is not checked. */
  origin?: RequestOrigin;
  now: number;
}

/**
 * The one API-key policy of both apps, in this order: unknown or revoked key,
 * expired, missing scope (with the lattice of `scopes.ts`), tenant gone or not
 * active (pending, suspended and deleted alike), client address outside the
 * key's allow-list, origin outside the key's domain restriction. Null when the key may be used.
 */
export function apiKeyRefusal({ key, tenant, scope, clientIp, origin, now }: KeyPolicyInput): KeyRefusal | null {
  if (key === null || key.status !== 'active') return { code: 'invalid_api_key', message: 'Invalid API key' };
  if (key.expires_at !== null && Date.parse(key.expires_at) <= now) return { code: 'key_expired', message: `This API key expired at ${key.expires_at}` };
  if (!hasScope(key.scopes, scope)) return { code: 'forbidden', message: `This API key lacks the ${scope} scope` };
  if (tenant === null) return { code: 'invalid_api_key', message: 'Invalid API key' };
  if (tenant.status !== 'active') return { code: 'tenant_suspended', message: inactiveTenantMessage(tenant) };
  if (key.allowed_ips !== null && !isIpAllowed(clientIp, key.allowed_ips)) {
    return { code: 'ip_not_allowed', message: `Requests from ${clientIp} are not allowed for this API key` };
  }
  return origin === undefined ? null : originRefusal(key, origin);
}

function originRefusal(key: Pick<ApiKeyRecordV1, 'allowed_origins' | 'allow_no_origin'>, origin: RequestOrigin): KeyRefusal | null {
  const allowed = key.allowed_origins ?? null;
  // Most keys restrict nothing: no header is parsed for them.
  if (allowed === null && key.allow_no_origin !== false) return null;
  const host = requestOriginHost(origin);
  if (host === 'absent') {
    return key.allow_no_origin === false ? { code: 'origin_not_allowed', message: 'This API key may only be used from its allowed origins; the request has no Origin or Referer' } : null;
  }
  if (allowed === null || (host !== null && isOriginHostAllowed(host, allowed))) return null;
  return { code: 'origin_not_allowed', message: `Requests from the origin ${host?.slice(0, 253) ?? 'null'} are not allowed for this API key` };
}

/** `Tenant acme-corp is suspended: Payment overdue`. */
export function inactiveTenantMessage(tenant: Pick<TenantRecordV1, 'slug' | 'status' | 'status_reason'>): string {
  const reason = tenant.status_reason ? `: ${tenant.status_reason}` : '';
  return `Tenant ${tenant.slug} is ${tenant.status}${reason}`;
}
