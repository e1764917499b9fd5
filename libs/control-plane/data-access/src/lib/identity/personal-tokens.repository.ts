import type { DataSource } from 'typeorm';
import { listSlice, query, queryOne, type ListWindow, type Slice } from '../sql';
import type { Transaction } from '../unit-of-work';

export type PersonalTokenScope = 'read' | 'write';

export interface PersonalTokenRow {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  prefix: string;
  last4: string;
  expires_at: Date | null;
  scopes: PersonalTokenScope[];
  survives_password_change: boolean;
  last_used_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
}

/** User-owned: every method takes the user id first. */
export class PersonalTokensRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(
    tx: Transaction,
    userId: string,
    token: { name: string; tokenHash: string; prefix: string; last4: string; expiresAt: Date | null; scopes: PersonalTokenScope[]; survivesPasswordChange: boolean },
  ): Promise<PersonalTokenRow> {
    const row = await queryOne<PersonalTokenRow>(
      tx,
      `INSERT INTO personal_access_tokens (user_id, name, token_hash, prefix, last4, expires_at, scopes, survives_password_change)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [userId, token.name, token.tokenHash, token.prefix, token.last4, token.expiresAt, token.scopes, token.survivesPasswordChange],
    );
    return row as PersonalTokenRow;
  }

  list(userId: string, window: ListWindow): Promise<Slice<PersonalTokenRow>> {
    return listSlice(this.dataSource, 'personal_access_tokens', ['user_id = $1', 'revoked_at IS NULL'], [userId], window, 'ORDER BY created_at DESC, id ASC');
  }

  findById(userId: string, id: string): Promise<PersonalTokenRow | null> {
    return queryOne<PersonalTokenRow>(this.dataSource, 'SELECT * FROM personal_access_tokens WHERE user_id = $1 AND id = $2 AND revoked_at IS NULL', [userId, id]);
  }

  async revoke(tx: Transaction, userId: string, id: string): Promise<void> {
    await query(tx, 'UPDATE personal_access_tokens SET revoked_at = now() WHERE user_id = $1 AND id = $2', [userId, id]);
  }

  async revokeAllOfUser(tx: Transaction, userId: string): Promise<void> {
    await query(tx, 'UPDATE personal_access_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [userId]);
  }

  /** A password change ends every token of the user but those created to survive one. */
  async revokeOnPasswordChange(tx: Transaction, userId: string): Promise<void> {
    await query(tx, 'UPDATE personal_access_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL AND NOT survives_password_change', [userId]);
  }

  /** The live token with this hash, stamping its last use. */
  async authenticate(tokenHash: string): Promise<PersonalTokenRow | null> {
    return queryOne<PersonalTokenRow>(
      this.dataSource,
      `UPDATE personal_access_tokens SET last_used_at = now()
       WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()) RETURNING *`,
      [tokenHash],
    );
  }
}
