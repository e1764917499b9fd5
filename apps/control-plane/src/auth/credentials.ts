import type { FastifyRequest } from 'fastify';

export const ACCESS_COOKIE = 'access_token';
export const CSRF_COOKIE = 'csrf_token';
export const CSRF_HEADER = 'x-csrf-token';

export type PresentedCredential = { source: 'header'; token: string } | { source: 'cookie'; token: string } | null;

/** `Authorization: Bearer <t>` or `Token <t>` (seed 000), else the session cookie of browser clients. */
export function presentedCredential(request: FastifyRequest): PresentedCredential {
  const header = request.headers.authorization;
  if (header) {
    const match = /^(Bearer|Token)\s+(\S+)\s*$/i.exec(header);
    return match ? { source: 'header', token: match[2] } : { source: 'header', token: '' };
  }
  const cookie = request.cookies?.[ACCESS_COOKIE];
  return cookie ? { source: 'cookie', token: cookie } : null;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Double-submit CSRF check for cookie sessions: a mutation must echo the
 * readable `csrf_token` cookie in a header, which another site's form cannot.
 */
export function passesCsrfCheck(request: FastifyRequest): boolean {
  if (SAFE_METHODS.has(request.method)) return true;
  const cookie = request.cookies?.[CSRF_COOKIE];
  const header = request.headers[CSRF_HEADER];
  return typeof cookie === 'string' && cookie.length > 0 && header === cookie;
}
