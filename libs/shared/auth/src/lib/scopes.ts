import type { KeyScope } from '@sluice/contracts';
import { roleAtLeast, type TenantRole } from './roles';

/**
 * The scope lattice of tenant API keys, in one place for both apps.
 * `write` implies `read` and `inference` (so a `["read", "write"]` key, the
 * common kind, can chat); `read` and `inference` imply nothing else
 * (docs/decisions.md, API keys: scopes and owners).
 * On the control plane a key acts as a viewer with `read` and as an admin with
 * `write`; a key with neither has no role there.
 */
export const KEY_SCOPES = ['inference', 'read', 'write'] as const satisfies readonly KeyScope[];

const IMPLIED: Record<KeyScope, readonly KeyScope[]> = { inference: [], read: [], write: ['read', 'inference'] };

/** Every scope a key holds, explicitly or by implication, in `KEY_SCOPES` order. */
export function grantedScopes(scopes: readonly KeyScope[]): KeyScope[] {
  const granted = new Set(scopes.flatMap((scope) => [scope, ...(IMPLIED[scope] ?? [])]));
  return KEY_SCOPES.filter((scope) => granted.has(scope));
}

/** `grantedScopes(scopes).includes(needed)` without building it: asked on every gateway request. */
export function hasScope(scopes: readonly KeyScope[], needed: KeyScope): boolean {
  if (!(KEY_SCOPES as readonly string[]).includes(needed)) return false;
  for (const scope of scopes) {
    if (scope === needed) return true;
    if (Object.hasOwn(IMPLIED, scope) && IMPLIED[scope].includes(needed)) return true;
  }
  return false;
}

/** What a tenant API key's scopes allow on the control plane: `read` ≈ viewer, `write` ≈ admin. */
export function roleOfKeyScopes(scopes: readonly KeyScope[]): TenantRole | null {
  if (hasScope(scopes, 'write')) return 'admin';
  if (hasScope(scopes, 'read')) return 'viewer';
  return null;
}

/**
 * The scopes a user of `role` may put on a key: owners and admins any, members
 * `inference` and `read` (never a role above their own), viewers none (they
 * cannot create keys at all).
 */
export function scopesAllowedForRole(role: TenantRole): KeyScope[] {
  if (roleAtLeast(role, 'admin')) return [...KEY_SCOPES];
  return role === 'member' ? ['inference', 'read'] : [];
}

/** The requested scopes a user of `role` may not grant (empty when all are fine). */
export function scopesBeyondRole(scopes: readonly KeyScope[], role: TenantRole): KeyScope[] {
  const allowed = scopesAllowedForRole(role);
  return scopes.filter((scope) => !allowed.includes(scope));
}

/**
 * What a user's key keeps when its owner's role is `role` (null: the owner is
 * gone). A key never acts above its owner's current role: scopes beyond it are
 * dropped, keeping what they implied and the role allows (a `write` key of a
 * demoted admin keeps `read` and `inference`). An empty result means the key
 * must stop working. Unchanged scopes are returned as given.
 */
export function scopesWithinRole(scopes: readonly KeyScope[], role: TenantRole | null): KeyScope[] {
  if (role === null) return [];
  if (scopesBeyondRole(scopes, role).length === 0) return [...scopes];
  const allowed = scopesAllowedForRole(role);
  return grantedScopes(scopes).filter((scope) => allowed.includes(scope));
}
