import { isIP } from 'node:net';
import type { CommonEnvValues } from './common-env-rules';
import { ConfigError } from './config-error';

/**
 * Whose X-Forwarded-For/-Proto/-Host to believe: nobody (`false`), the nearest
 * `n` hops (each proxy appends the address it saw, so the client's own entries
 * stay to the left of what the trusted hops wrote), or proxies at these
 * addresses/CIDRs. Fastify takes all of them as `trustProxy`; `true` (every
 * hop) only outside production.
 */
export type TrustProxy = boolean | number | readonly string[];

const MESSAGE = 'TRUST_PROXY must be false, a number of proxy hops (1-10), or a comma-separated list of proxy addresses or CIDRs';

export function parseTrustProxy(raw: string, production: boolean): TrustProxy {
  const text = raw.trim().toLowerCase();
  if (text === 'false' || text === '0') return false;
  if (text === 'true') {
    // `true` trusts every hop: the left-most X-Forwarded-For entry, which any client writes, becomes request.ip.
    if (production) throw new ConfigError('Invalid configuration: TRUST_PROXY=true trusts any client-written X-Forwarded-For; under NODE_ENV=production set the number of proxies in front (1) or their addresses/CIDRs');
    return true;
  }
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops > 10) throw new ConfigError(`Invalid configuration: ${MESSAGE}`);
    return hops;
  }
  const entries = text.split(',').map((entry) => entry.trim());
  if (!entries.every(isAddressOrCidr)) throw new ConfigError(`Invalid configuration: ${MESSAGE}`);
  return Object.freeze(entries);
}

function isAddressOrCidr(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

export function trustProxySetting(env: Pick<CommonEnvValues, 'TRUST_PROXY' | 'NODE_ENV'>): TrustProxy {
  return parseTrustProxy(env.TRUST_PROXY, env.NODE_ENV === 'production');
}
