import type { DataSource } from 'typeorm';
import { query, queryOne } from '../sql';
import type { Transaction } from '../unit-of-work';

export interface RefreshTokenRow {
  id: string;
  user_id: string;
  family_id: string;
  /** The tenant the session is bound to, if any. */
  tenant_id: string | null;
  token_hash: string;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
}

/**
 * Refresh tokens, grouped in families: a login starts a family, each refresh
 * adds the next token and uses up the previous one. Presenting a used token
 * means it was stolen (or replayed), so the whole family is revoked.
 */
export class SessionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(tx: Transaction, token: { userId: string; familyId: string; tenantId?: string | null; tokenHash: string; expiresAt: Date }): Promise<void> {
    await query(tx, 'INSERT INTO refresh_tokens (user_id, family_id, tenant_id, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5)', [
      token.userId,
      token.familyId,
      token.tenantId ?? null,
      token.tokenHash,
      token.expiresAt,
    ]);
  }

  /** Locks the token's row so that two concurrent refreshes with it cannot both succeed. */
  findForUpdate(tx: Transaction, tokenHash: string): Promise<RefreshTokenRow | null> {
    return queryOne<RefreshTokenRow>(tx, 'SELECT * FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE', [tokenHash]);
  }

  findByHash(tokenHash: string): Promise<RefreshTokenRow | null> {
    return queryOne<RefreshTokenRow>(this.dataSource, 'SELECT * FROM refresh_tokens WHERE token_hash = $1', [tokenHash]);
  }

  async markUsed(tx: Transaction, id: string): Promise<void> {
    await query(tx, 'UPDATE refresh_tokens SET used_at = now() WHERE id = $1', [id]);
  }

  async revokeFamily(tx: Transaction, familyId: string): Promise<void> {
    await query(tx, 'UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL', [familyId]);
  }

  /** Revokes every live family of a user but the one given (the caller's own session); answers the revoked family ids. */
  async revokeAllOfUser(tx: Transaction, userId: string, exceptFamilyId: string | null = null): Promise<string[]> {
    const rows = await query<{ family_id: string }>(
      tx,
      `UPDATE refresh_tokens SET revoked_at = now()
       WHERE user_id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR family_id <> $2::uuid) RETURNING family_id`,
      [userId, exceptFamilyId],
    );
    return [...new Set(rows.map((row) => row.family_id))];
  }
}
