import { roleOfKeyScopes } from '@sluice/auth';
import type { PersonalTokenScope } from '@sluice/control-plane/data-access';
import { SluiceException } from '@sluice/platform';
import type { FastifyRequest } from 'fastify';
import { createHmac, timingSafeEqual } from 'node:crypto';

export const ACCESS_COOKIE = 'access_token';
export const CSRF_COOKIE = 'csrf_token';
export const CSRF_HEADER = 'x-csrf-token';

export type PresentedCredential = { source: 'header'; token: string } | { source: 'cookie'; token: string } | null;

/** `Authorization: Bearer <t>` or `Token <t>` (the older scheme, still accepted), else the session cookie of browser clients. */
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
 * The CSRF token of a cookie session: an HMAC of its session id under a key
 * derived from the signing secret, so a token taken from one session (or
 * planted in a cookie by a sibling subdomain) is worthless in another.
 */
export function csrfTokenFor(signingSecret: string, sessionId: string): string {
  const key = createHmac('sha256', signingSecret).update('sluice csrf token v1').digest();
  return createHmac('sha256', key).update(sessionId).digest('base64url');
}

/** A cookie session's mutation must carry its session's CSRF token in `X-CSRF-Token`, which another site cannot read. */
export function passesCsrfCheck(request: FastifyRequest, expected: string): boolean {
  if (SAFE_METHODS.has(request.method)) return true;
  const header = request.headers[CSRF_HEADER];
  return typeof header === 'string' && header.length === expected.length && timingSafeEqual(Buffer.from(header), Buffer.from(expected));
}

/** A personal token without the `write` scope reads only (the lattice's viewer); with it, it acts as its user. */
export function personalTokenAllows(scopes: readonly PersonalTokenScope[], method: string): boolean {
  return roleOfKeyScopes(scopes) !== 'viewer' || SAFE_METHODS.has(method);
}

/**
 * Cookie sign-in only from a page of this site: the Origin (else the Referer)
 * must name this host or one of `allowedOrigins`, so another site cannot sign
 * a browser into an account of its choosing. A request with neither header
 * comes from no browser page and passes: it cannot ride a victim's browser.
 */
export function assertSignInOrigin(request: FastifyRequest, allowedOrigins: readonly string[]): void {
  const origin = request.headers.origin ?? originOf(request.headers.referer);
  if (origin === undefined) return;
  const host = request.headers.host;
  if (allowedOrigins.includes(origin) || (host !== undefined && originOf(origin)?.replace(/^https?:\/\//, '') === host)) return;
  throw new SluiceException('forbidden', `Cross-site sign-in refused: origin ${origin.slice(0, 200)} is not allowed (ALLOWED_ORIGINS)`, {}, 'origin');
}

function originOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : 'null';
  } catch {
    return 'null';
  }
}
