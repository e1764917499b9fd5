import type { TenantRole } from '@sluice/auth';
import type { MembershipRow } from '@sluice/control-plane/data-access';

/** A membership as the API shows it (`/api/tenant-users/`, `member.*` webhook events). */
export interface MembershipView {
  id: string;
  tenant: string;
  user: string;
  email: string;
  first_name: string;
  last_name: string;
  role: TenantRole;
  team: string | null;
  created_at: string;
  updated_at: string;
}

export function membershipView(row: MembershipRow): MembershipView {
  return {
    id: row.id,
    tenant: row.tenant_id,
    user: row.user_id,
    email: row.email,
    first_name: row.first_name,
    last_name: row.last_name,
    role: row.role,
    team: row.team_id,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
