import type { TenantRow } from '@sluice/control-plane/data-access';

/** The suspension reason of a tenant suspended because its payment stayed overdue past the grace period. */
export const PAYMENT_OVERDUE = 'payment_overdue';

/** Where the tenant stands with its payments (docs/billing.md, "Dunning"). */
export type BillingStatus = 'active' | 'past_due' | 'suspended';

export const BILLING_STATUSES: readonly BillingStatus[] = ['active', 'past_due', 'suspended'];

/**
 * `suspended` only for a suspension for non-payment (an admin's suspension
 * for another reason says nothing about payments); `past_due` from a failed
 * payment until a paid one; else `active`.
 */
export function billingStatus(tenant: Pick<TenantRow, 'status' | 'suspension_reason' | 'billing_status'>): BillingStatus {
  if (tenant.status === 'suspended' && tenant.suspension_reason === PAYMENT_OVERDUE) return 'suspended';
  return tenant.billing_status === 'past_due' ? 'past_due' : 'active';
}
