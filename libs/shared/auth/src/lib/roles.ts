/** Roles inside a tenant, strongest first (docs/decisions.md, Identity and tenancy). */
export const TENANT_ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type TenantRole = (typeof TENANT_ROLES)[number];

const RANK: Record<TenantRole, number> = { owner: 4, admin: 3, member: 2, viewer: 1 };

export function roleAtLeast(role: TenantRole, required: TenantRole): boolean {
  return RANK[role] >= RANK[required];
}

/**
 * Who may grant or change a role: only owners touch `owner`; admins manage
 * admins and below; members and viewers manage nobody.
 */
export function mayManageRole(actor: TenantRole, target: TenantRole): boolean {
  if (target === 'owner') return actor === 'owner';
  return roleAtLeast(actor, 'admin');
}
