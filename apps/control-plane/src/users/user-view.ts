import type { UserRow } from '@sluice/control-plane/data-access';

export interface UserView {
  id: string;
  email: string;
  /** The user's own username when set (docs/decisions.md, Usernames), else the email, for clients that read `username`. */
  username: string;
  first_name: string;
  last_name: string;
  is_active: boolean;
  is_platform_admin: boolean;
  last_login_at: string | null;
  created_at: string;
  updated_at: string;
}

/** Explicit, so that a new column (or the password hash) never leaks. */
export function userView(user: UserRow): UserView {
  return {
    id: user.id,
    email: user.email,
    username: user.username ?? user.email,
    first_name: user.first_name,
    last_name: user.last_name,
    is_active: user.is_active,
    is_platform_admin: user.is_platform_admin,
    last_login_at: user.last_login_at?.toISOString() ?? null,
    created_at: user.created_at.toISOString(),
    updated_at: user.updated_at.toISOString(),
  };
}
