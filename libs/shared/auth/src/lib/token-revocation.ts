import { RedisKeys } from '@sluice/contracts';

/** The one Redis command the lookup needs (an ioredis client, single-node or cluster, has it). */
export interface RevocationStore {
  get(key: string): Promise<string | null>;
}

/**
 * Whether an access token was revoked, by its own id (signed out) or by its
 * session (password change, deactivation, a replayed refresh token). The
 * control plane writes these entries and both apps read them, so a revoked
 * token stops working everywhere at once. Rejects when Redis cannot answer:
 * the caller refuses with a 503 rather than letting the token through.
 */
export async function isAccessTokenRevoked(store: RevocationStore, claims: { jti: string; sid: string }): Promise<boolean> {
  // Two GETs, not one MGET: the two keys live in different Redis Cluster slots.
  const [token, session] = await Promise.all([store.get(RedisKeys.revokedAccessToken(claims.jti)), store.get(RedisKeys.revokedSession(claims.sid))]);
  return token !== null || session !== null;
}
