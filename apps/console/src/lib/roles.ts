export type TenantRole = 'owner' | 'admin' | 'member' | 'viewer';

const RANK: Record<TenantRole, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

/** What the signed-in user may do in the selected tenant: the console hides what the API would refuse anyway. */
export interface Permissions {
  /** Create, rotate and revoke API keys. */
  manageKeys: boolean;
  /** Add, re-role and remove members; create teams. */
  manageMembers: boolean;
  /** Buy credits through checkout, and open the billing portal. */
  buyCredits: boolean;
  /** Read statements; manage webhook endpoints and integrations (the tenant's admins). */
  manageTenant: boolean;
  /** The platform-admin pages (tenants) and granting credits directly. */
  platformAdmin: boolean;
}

export function permissionsFor(role: TenantRole | null, isPlatformAdmin: boolean): Permissions {
  if (isPlatformAdmin) return { manageKeys: true, manageMembers: true, buyCredits: true, manageTenant: true, platformAdmin: true };
  const rank = role ? RANK[role] : -1;
  return { manageKeys: rank >= RANK.member, manageMembers: rank >= RANK.admin, buyCredits: rank >= RANK.owner, manageTenant: rank >= RANK.admin, platformAdmin: false };
}
