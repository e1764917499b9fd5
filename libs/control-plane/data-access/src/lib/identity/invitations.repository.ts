import type { DataSource } from 'typeorm';
import { listSlice, queryOne, type ListWindow, type Reader, type Slice } from '../sql';
import type { Transaction } from '../unit-of-work';

export interface InvitationRow {
  id: string;
  tenant_id: string;
  email: string;
  role: 'owner' | 'admin' | 'member' | 'viewer';
  token_hash: string;
  invited_by: string | null;
  expires_at: Date;
  accepted_at: Date | null;
  accepted_user_id: string | null;
  revoked_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface NewInvitation {
  tenantId: string;
  email: string;
  role: InvitationRow['role'];
  tokenHash: string;
  invitedBy: string | null;
  expiresAt: Date;
}

const PENDING = 'accepted_at IS NULL AND revoked_at IS NULL';

/** Tenant invitations; tokens are looked up by their SHA-256 only. */
export class InvitationsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(tx: Transaction, invitation: NewInvitation): Promise<InvitationRow> {
    return (await queryOne<InvitationRow>(
      tx,
      `INSERT INTO invitations (tenant_id, email, role, token_hash, invited_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
      [invitation.tenantId, invitation.email, invitation.role, invitation.tokenHash, invitation.invitedBy, invitation.expiresAt],
    )) as InvitationRow;
  }

  /** The pending invitation of an address to a tenant, locked: inviting again renews it. */
  findPendingForUpdate(tx: Transaction, tenantId: string, email: string): Promise<InvitationRow | null> {
    return queryOne<InvitationRow>(tx, `SELECT * FROM invitations WHERE tenant_id = $1 AND email = $2 AND ${PENDING} FOR UPDATE`, [tenantId, email]);
  }

  findByTokenHashForUpdate(tx: Transaction, tokenHash: string): Promise<InvitationRow | null> {
    return queryOne<InvitationRow>(tx, 'SELECT * FROM invitations WHERE token_hash = $1 FOR UPDATE', [tokenHash]);
  }

  findById(id: string, db: Reader = this.dataSource): Promise<InvitationRow | null> {
    return queryOne<InvitationRow>(db, 'SELECT * FROM invitations WHERE id = $1', [id]);
  }

  list(tenantId: string, window: ListWindow): Promise<Slice<InvitationRow>> {
    return listSlice(this.dataSource, 'invitations', ['tenant_id = $1'], [tenantId], window, 'ORDER BY created_at DESC, id ASC');
  }

  /** A new token and a new expiry for a pending invitation (the old token stops working). */
  async renew(tx: Transaction, id: string, tokenHash: string, expiresAt: Date, role?: InvitationRow['role']): Promise<InvitationRow> {
    return (await queryOne<InvitationRow>(
      tx,
      'UPDATE invitations SET token_hash = $2, expires_at = $3, role = COALESCE($4, role), updated_at = now() WHERE id = $1 RETURNING *',
      [id, tokenHash, expiresAt, role ?? null],
    )) as InvitationRow;
  }

  async markAccepted(tx: Transaction, id: string, userId: string): Promise<InvitationRow> {
    return (await queryOne<InvitationRow>(tx, 'UPDATE invitations SET accepted_at = now(), accepted_user_id = $2, updated_at = now() WHERE id = $1 RETURNING *', [id, userId])) as InvitationRow;
  }

  async revoke(tx: Transaction, id: string): Promise<InvitationRow> {
    return (await queryOne<InvitationRow>(tx, 'UPDATE invitations SET revoked_at = now(), updated_at = now() WHERE id = $1 RETURNING *', [id])) as InvitationRow;
  }
}
