import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * Headers for browsers that open an API answer or the OpenAPI page: no MIME
 * sniffing, no framing, no referrer, a CSP that lets /docs load its own
 * scripts and styles (Swagger UI inlines one style block), and HSTS only
 * where TLS is in front (upgrading plain-HTTP development would break /docs).
 */
export function securityHeaderOptions(hsts: boolean): HelmetOptions {
  return {
    contentSecurityPolicy: {
      useDefaults: true,
      directives: { frameAncestors: ["'none'"], upgradeInsecureRequests: hsts ? [] : null },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    hsts: hsts ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  };
}

/** One response header as helmet sets it: lower-case name, value. */
export type HeaderPair = readonly [name: string, value: string];

/**
 * The headers helmet's middleware sets with these options, read once from
 * helmet itself: routes served without Fastify set exactly these, so the two
 * can never drift. Helmet's options never depend on the request.
 */
export function securityHeaderPairs(hsts: boolean): readonly HeaderPair[] {
  const pairs: HeaderPair[] = [];
  const recorder = {
    setHeader(name: string, value: string) {
      pairs.push([name.toLowerCase(), value]);
    },
    removeHeader() {
      // X-Powered-By: Node never sets it.
    },
  };
  let failure: unknown;
  helmet(securityHeaderOptions(hsts))({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => (failure = error));
  if (failure) throw failure;
  return Object.freeze(pairs);
}
