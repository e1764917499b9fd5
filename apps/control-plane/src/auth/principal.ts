/** Who is calling, as established by authentication. */
export interface UserPrincipal {
  kind: 'user';
  userId: string;
  email: string;
  isPlatformAdmin: boolean;
  /** How the caller proved it. */
  via: 'jwt' | 'cookie' | 'personal_token';
  /** Refresh family of a JWT session; null for personal tokens. */
  sessionId: string | null;
  /** Id and expiry (epoch seconds) of the access token, for logout. */
  tokenId: string | null;
  tokenExpiresAt: number | null;
}

export type Principal = UserPrincipal;
