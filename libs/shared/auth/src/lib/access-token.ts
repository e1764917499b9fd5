import { randomUUID } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';

/**
 * Access tokens: short-lived HS256 JWTs, the same rules in both services (the
 * gateway accepts a platform admin's token on `/metrics/{tenant_id}`).
 * Revocation (logout, password change) is not in the token: it is checked
 * against Redis by whoever verifies (see `RedisKeys.revokedAccessToken`).
 */
export interface AccessClaims {
  /** User id. */
  sub: string;
  /** Token id, for the logout deny-list. */
  jti: string;
  /** Refresh family the token was issued with: logout revokes it. */
  sid: string;
  email: string;
  /** Platform admin. */
  adm: boolean;
  /** The tenant a tenant-bound sign-in chose; absent otherwise. */
  tid?: string;
  /** Issued at and expiry, epoch seconds. */
  iat: number;
  exp: number;
}

export const ACCESS_TOKEN_ISSUER = 'sluice';
const AUDIENCE = 'sluice-api';

export interface IssuedAccessToken {
  token: string;
  claims: AccessClaims;
}

export async function signAccessToken(
  secret: string,
  subject: { userId: string; email: string; isPlatformAdmin: boolean; sessionId: string; tenantId?: string | null },
  ttlSeconds: number,
  now = Date.now(),
): Promise<IssuedAccessToken> {
  const iat = Math.floor(now / 1000);
  const claims: AccessClaims = {
    sub: subject.userId,
    jti: randomUUID(),
    sid: subject.sessionId,
    email: subject.email,
    adm: subject.isPlatformAdmin,
    ...(subject.tenantId ? { tid: subject.tenantId } : {}),
    iat,
    exp: iat + ttlSeconds,
  };
  const token = await new SignJWT({ sid: claims.sid, email: claims.email, adm: claims.adm, ...(claims.tid ? { tid: claims.tid } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setJti(claims.jti)
    .setIssuer(ACCESS_TOKEN_ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(claims.iat)
    .setExpirationTime(claims.exp)
    .sign(keyOf(secret));
  return { token, claims };
}

/** The claims of a valid, unexpired token signed with our secret; null for anything else. */
export async function verifyAccessToken(secret: string, token: string): Promise<AccessClaims | null> {
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), {
      algorithms: ['HS256'],
      issuer: ACCESS_TOKEN_ISSUER,
      audience: AUDIENCE,
    });
    const { sub, jti, sid, email, adm, tid, iat, exp } = payload;
    if (typeof sub !== 'string' || typeof jti !== 'string' || typeof sid !== 'string' || typeof email !== 'string') return null;
    if (typeof iat !== 'number' || typeof exp !== 'number') return null;
    if (tid !== undefined && typeof tid !== 'string') return null;
    return { sub, jti, sid, email, adm: adm === true, ...(tid ? { tid } : {}), iat, exp };
  } catch (error) {
    if (error instanceof errors.JOSEError) return null;
    throw error;
  }
}

/** A JWT has three base64url parts; anything else is some other kind of credential. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);
}

const keys = new Map<string, Uint8Array>();
function keyOf(secret: string): Uint8Array {
  let key = keys.get(secret);
  if (!key) {
    key = new TextEncoder().encode(secret);
    keys.set(secret, key);
  }
  return key;
}
