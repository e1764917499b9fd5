import type { Cidr } from './ip-allow-list';
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { buildConnector } from 'undici';

export { InvalidCidrListError, parseCidrList } from './cidr-list';

export type { Cidr };

/**
 * Where no provider lives: this host, private networks, link-local (cloud
 * metadata at 169.254.169.254 and fd00:ec2::254), carrier-grade NAT (another
 * cloud's metadata), multicast and reserved ranges. IPv4-mapped IPv6
 * addresses are matched against the IPv4 ranges by `BlockList` itself.
 */
const NON_PUBLIC: readonly Cidr[] = [
  ...(
    [
      ['0.0.0.0', 8],
      ['10.0.0.0', 8],
      ['100.64.0.0', 10],
      ['127.0.0.0', 8],
      ['169.254.0.0', 16],
      ['172.16.0.0', 12],
      ['192.0.0.0', 24],
      ['192.168.0.0', 16],
      ['198.18.0.0', 15],
      ['224.0.0.0', 4],
      ['240.0.0.0', 4],
    ] as const
  ).map(([address, prefix]) => ({ address, prefix, family: 'ipv4' as const })),
  ...(
    [
      ['::', 128],
      ['::1', 128],
      ['fc00::', 7],
      ['fe80::', 10],
      ['fec0::', 10],
      ['ff00::', 8],
    ] as const
  ).map(([address, prefix]) => ({ address, prefix, family: 'ipv6' as const })),
];

/** RFC 6052's NAT64 prefix: the last 32 bits are an IPv4 address, checked as such. */
const NAT64_PREFIX = '64:ff9b::';

/** A connection the policy refused: nothing was sent to `address`. */
export class DestinationRefusedError extends Error {
  override readonly name = 'DestinationRefusedError';
  readonly code = 'ERR_SLUICE_DESTINATION_REFUSED';

  constructor(
    readonly host: string,
    readonly address: string,
    allowListVariable = 'UPSTREAM_ALLOWED_PRIVATE_CIDRS',
  ) {
    super(`Refused to connect to ${host} (${address}): not a public address, and not in ${allowListVariable}`);
  }
}

export interface DestinationPolicyOptions {
  /**
   * Non-public ranges that may be dialled anyway: the mock provider, an
   * in-cluster model server (`UPSTREAM_ALLOWED_PRIVATE_CIDRS`), a local
   * receiver in development.
   */
  allowedPrivate?: readonly Cidr[];
  /** The setting that opens `allowedPrivate`, named in refusals so an operator knows what to change. */
  allowListVariable?: string;
  /** Told of every refusal, for the log. */
  onRefused?: (error: DestinationRefusedError) => void;
  /** How names are resolved; the system resolver unless a test maps names itself. */
  resolve?: HostResolver;
}

/** `dns.lookup` with `all: true`: every address of a name. */
export type HostResolver = (hostname: string, options: LookupOptions & { all: true }, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

/**
 * Which addresses Sluice may connect to on behalf of a URL someone configured
 * (a provider's base URL, a webhook endpoint, a partner service). It is applied
 * when the connection is opened, to every address the name resolves to, so a
 * configured URL, a DNS answer or a redirect to an internal name cannot reach
 * what a check of the URL's text would have missed.
 */
export class DestinationPolicy {
  private readonly nonPublic = blockListOf(NON_PUBLIC);
  private readonly allowed: BlockList;
  private readonly onRefused: (error: DestinationRefusedError) => void;
  private readonly allowListVariable: string | undefined;
  private readonly resolve: HostResolver;

  constructor({ allowedPrivate = [], allowListVariable, onRefused = () => undefined, resolve = dnsLookup }: DestinationPolicyOptions = {}) {
    this.allowed = blockListOf(allowedPrivate);
    this.resolve = resolve;
    this.allowListVariable = allowListVariable;
    this.onRefused = onRefused;
  }

  /** Only public addresses: what production gets unless UPSTREAM_ALLOWED_PRIVATE_CIDRS opens more. */
  static publicOnly(): DestinationPolicy {
    return new DestinationPolicy();
  }

  /** Whether a connection to this IP address (v4 or v6, as a resolver returns it) is allowed. */
  permits(address: string): boolean {
    const plain = address.replace(/%.*$/, '');
    const family = isIP(plain);
    if (family === 0) return false;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (this.allowed.check(plain, type)) return true;
    if (this.nonPublic.check(plain, type)) return false;
    const embedded = type === 'ipv6' ? nat64Embedded(plain) : null;
    return embedded === null || this.permits(embedded);
  }

  /** For `net.connect`: resolves every address of the name and fails unless all of them are permitted. */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    this.resolve(hostname, { ...(options as LookupOptions), all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const refused = addresses.find(({ address }) => !this.permits(address));
      if (refused !== undefined) return callback(this.refuse(hostname, refused.address), '', 0);
      if ((options as LookupOptions).all) return callback(null, addresses);
      const [first] = addresses;
      callback(null, first.address, first.family);
    });
  };

  /**
   * An undici connector that applies the policy. A literal IP host never
   * reaches `lookup` (Node skips resolution), so it is checked here first.
   */
  connector(timeoutMs: number): buildConnector.connector {
    const connect = buildConnector({ timeout: timeoutMs, lookup: this.lookup });
    return (options, callback) => {
      if (isIP(options.hostname) !== 0 && !this.permits(options.hostname)) {
        const error = this.refuse(options.hostname, options.hostname);
        queueMicrotask(() => callback(error, null));
        return;
      }
      connect(options, callback);
    };
  }

  private refuse(host: string, address: string): DestinationRefusedError {
    const error = new DestinationRefusedError(host, address, this.allowListVariable);
    this.onRefused(error);
    return error;
  }
}

function blockListOf(ranges: readonly Cidr[]): BlockList {
  const list = new BlockList();
  for (const { address, prefix, family } of ranges) list.addSubnet(address, prefix, family);
  return list;
}

/** The IPv4 address inside a NAT64 address (`64:ff9b::a9fe:a9fe` → 169.254.169.254), else null. */
function nat64Embedded(address: string): string | null {
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  if (!canonical.startsWith(NAT64_PREFIX)) return null;
  const tail = canonical.slice(NAT64_PREFIX.length);
  if (isIP(tail) === 4) return tail;
  const groups = tail.split(':');
  if (groups.length > 2 || groups.some((group) => !/^[0-9a-f]{1,4}$/.test(group))) return null;
  const value = groups.reduce((sum, group) => sum * 0x10000 + parseInt(group, 16), 0);
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}
