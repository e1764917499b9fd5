/**
 * A key's domain restriction (docs/limits.md, Domain restrictions): the host of a
 * request's `Origin`, else its `Referer`, must match one of the key's host
 * patterns. Browsers set these headers and scripts cannot forge them, so this
 * keeps a key embedded in a web page from being used by other sites; a
 * non-browser client can send any header, so it is not authentication.
 */

/** `app.example.com`, `*.example.com`, `localhost` or an IPv4 address, lower case, no port. */
export const ORIGIN_PATTERN = /^(?:\*\.)?(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

export function isOriginPattern(value: unknown): value is string {
  return typeof value === 'string' && ORIGIN_PATTERN.test(value);
}

/** What a request says about where it comes from. */
export interface RequestOrigin {
  origin?: string | string[];
  referer?: string | string[];
}

/**
 * The host the request names: `Origin` when present, else `Referer`. `absent`
 * when it sends neither; `null` when what it sends has no host (`Origin: null`
 * from a sandboxed frame or a `file:` page, or an unparsable value).
 */
export function requestOriginHost({ origin, referer }: RequestOrigin): string | null | 'absent' {
  const value = single(origin) ?? single(referer);
  if (value === undefined) return 'absent';
  try {
    const host = new URL(value).hostname.toLowerCase().replace(/\.$/, '');
    return host === '' ? null : host;
  } catch {
    return null;
  }
}

/** `*.example.com` matches every subdomain of example.com (not example.com itself); anything else matches exactly. */
export function isOriginHostAllowed(host: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => (pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1 : host === pattern));
}

function single(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text.trim() === '' ? undefined : text.trim();
}
