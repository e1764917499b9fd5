import type { TenantRow } from '@sluice/control-plane/data-access';

/** `data` of `tenant.suspended` and `tenant.restored`. */
export function tenantStatusEvent(tenant: Pick<TenantRow, 'id' | 'slug' | 'name' | 'status' | 'suspension_reason' | 'suspended_at'>): Record<string, unknown> {
  return {
    tenant: tenant.id,
    slug: tenant.slug,
    name: tenant.name,
    status: tenant.status,
    suspension_reason: tenant.suspension_reason || null,
    suspended_at: tenant.suspended_at ? new Date(tenant.suspended_at).toISOString() : null,
  };
}
