import type { PersonalTokenRow, PersonalTokenScope, UserRow } from '@sluice/control-plane/data-access';
import type { TokenPair } from '../auth/sessions';
import { userView, type UserView } from '../users/user-view';

export interface LoginResponse {
  /** The historical name of the access token, kept for clients that read it; the same value as `access`. */
  token: string;
  access: string;
  refresh: string;
  token_type: 'Bearer';
  expires_in: number;
  user: UserView;
}

export interface ProfileView extends UserView {
  tenants: Array<{ id: string; slug: string; name: string; role: string }>;
}

export interface PersonalTokenView {
  id: string;
  name: string;
  prefix: string;
  last4: string;
  expires_at: string | null;
  scopes: PersonalTokenScope[];
  survive_password_change: boolean;
  last_used_at: string | null;
  created_at: string;
}

export function personalTokenView(row: PersonalTokenRow): PersonalTokenView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    last4: row.last4,
    expires_at: row.expires_at?.toISOString() ?? null,
    scopes: row.scopes,
    survive_password_change: row.survives_password_change,
    last_used_at: row.last_used_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
  };
}

export function loginResponse(pair: TokenPair, user: UserRow): LoginResponse {
  return { token: pair.access, access: pair.access, refresh: pair.refresh, token_type: 'Bearer', expires_in: pair.expiresIn, user: userView(user) };
}
