import { RedisKeys } from '@sluice/contracts';

/** The one Redis command the lookup needs (an ioredis client has it). */
export interface RevocationStore {
  mget(...keys: string[]): Promise<Array<string | null>>;
}

/**
 * Whether an access token was revoked, by its own id (signed out) or by its
 * session (password change, deactivation, a replayed refresh token). The
 * control plane writes these entries and both apps read them, so a revoked
 * token stops working everywhere at once. Rejects when Redis cannot answer:
 * the caller refuses with a 503 rather than letting the token through.
 */
export async function isAccessTokenRevoked(store: RevocationStore, claims: { jti: string; sid: string }): Promise<boolean> {
  const [token, session] = await store.mget(RedisKeys.revokedAccessToken(claims.jti), RedisKeys.revokedSession(claims.sid));
  return token !== null || session !== null;
}
