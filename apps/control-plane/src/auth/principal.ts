import type { TenantRole } from '@sluice/auth';
import { SluiceException } from '@sluice/platform';

/** A signed-in user. */
export interface UserPrincipal {
  kind: 'user';
  userId: string;
  email: string;
  isPlatformAdmin: boolean;
  /** How the caller proved it. */
  via: 'jwt' | 'cookie' | 'personal_token';
  /** Refresh family of a JWT session; null for personal tokens. */
  sessionId: string | null;
  /** Id and expiry (epoch seconds) of the access token, for logout. */
  tokenId: string | null;
  tokenExpiresAt: number | null;
  /** The tenant a tenant-bound sign-in chose: the session acts there only (docs/security.md). */
  boundTenantId?: string | null;
}

/**
 * A tenant API key with the `read` or `write` scope (docs/decisions.md, API keys): it acts on its
 * own tenant only, as a viewer (`read`) or an admin (`write`), and never above
 * its owner's current role there.
 */
export interface ApiKeyPrincipal {
  kind: 'api_key';
  keyId: string;
  tenantId: string;
  role: TenantRole;
  /** The user who created the key; null for a service key. Keys it creates belong to the same user. */
  ownerUserId: string | null;
  isPlatformAdmin: false;
}

export type Principal = UserPrincipal | ApiKeyPrincipal;

/** For what only a person can do (profile, sessions, personal tokens): 403 for an API key. */
export function requireUser(principal: Principal): UserPrincipal {
  if (principal.kind !== 'user') throw new SluiceException('forbidden', 'This needs a signed-in user, not an API key');
  return principal;
}

/** For what only a platform admin may do (the services' own check, behind `@PlatformAdminOnly()`). */
export function requirePlatformAdmin(principal: Principal): void {
  if (!principal.isPlatformAdmin) throw new SluiceException('forbidden', 'This needs a platform admin');
}

/** The user behind a principal, when there is one (for `created_by` columns). */
export function userIdOf(principal: Principal): string | null {
  return principal.kind === 'user' ? principal.userId : null;
}

/** The user a principal acts for: the signed-in user, or the owner of the key (null for a service key). */
export function ownerUserIdOf(principal: Principal): string | null {
  return principal.kind === 'user' ? principal.userId : principal.ownerUserId;
}
