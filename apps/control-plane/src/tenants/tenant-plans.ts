/**
 * The plans tenants get without choosing one (docs/limits.md, Plans): a
 * tenant a platform admin creates without `subscription_tier` is on the
 * `basic` tier (postpaid, every model); a self-registered tenant is on `free`,
 * which reaches only sandbox and cheap models. Neither plan can be deleted.
 */
export const DEFAULT_TENANT_PLAN = 'basic';
export const SIGNUP_PLAN = 'free';

export const RESERVED_PLANS: readonly string[] = [DEFAULT_TENANT_PLAN, SIGNUP_PLAN];
