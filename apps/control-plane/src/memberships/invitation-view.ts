import type { InvitationRow } from '@sluice/control-plane/data-access';

export type InvitationStatus = 'pending' | 'accepted' | 'revoked' | 'expired';

export interface InvitationView {
  id: string;
  tenant: string;
  email: string;
  role: InvitationRow['role'];
  status: InvitationStatus;
  invited_by: string | null;
  expires_at: string;
  accepted_at: string | null;
  created_at: string;
}

export function invitationStatus(row: InvitationRow, now = Date.now()): InvitationStatus {
  if (row.accepted_at) return 'accepted';
  if (row.revoked_at) return 'revoked';
  return row.expires_at.getTime() <= now ? 'expired' : 'pending';
}

export function invitationView(row: InvitationRow): InvitationView {
  return {
    id: row.id,
    tenant: row.tenant_id,
    email: row.email,
    role: row.role,
    status: invitationStatus(row),
    invited_by: row.invited_by,
    expires_at: row.expires_at.toISOString(),
    accepted_at: row.accepted_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
  };
}
