import { DestinationPolicy, type Cidr, type HostResolver } from '@sluice/auth';
import { SluiceException } from '@sluice/platform';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';

export interface WebhookDestinationSettings {
  /** Production: endpoints must be https. */
  requireHttps: boolean;
  /** WEBHOOK_ALLOWED_PRIVATE_CIDRS: non-public ranges a receiver may live in anyway. */
  allowedPrivate: readonly Cidr[];
  /** How long a creation-time DNS check may take. */
  resolveTimeoutMs?: number;
}

/**
 * Where webhooks may go (docs/webhooks.md, Where deliveries may go). A URL is
 * checked when an endpoint is created or changed, and the same
 * `DestinationPolicy` is applied again when each delivery connects, to the
 * addresses DNS gives at that moment: a name that later resolves to an
 * internal address (DNS rebinding) is refused then, before anything is sent.
 */
export class WebhookDestinations {
  readonly policy: DestinationPolicy;

  constructor(
    private readonly settings: WebhookDestinationSettings,
    private readonly resolve: HostResolver = dnsLookup,
  ) {
    this.policy = new DestinationPolicy({ allowedPrivate: settings.allowedPrivate, allowListVariable: 'WEBHOOK_ALLOWED_PRIVATE_CIDRS', resolve });
  }

  /** Throws 400 `url_not_allowed` unless the URL is one Sluice may deliver to. */
  async check(raw: string): Promise<URL> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw refused('The url is not an absolute URL');
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && !this.settings.requireHttps)) {
      throw refused(this.settings.requireHttps ? 'Webhook URLs must use https' : 'Webhook URLs must use http or https');
    }
    if (url.username || url.password) throw refused('Webhook URLs may not carry credentials; authenticate deliveries by their signature');
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const addresses = isIP(host) !== 0 ? [host] : (await this.addressesOf(host)).map(({ address }) => address);
    const forbidden = addresses.find((address) => !this.policy.permits(address));
    if (forbidden !== undefined) {
      throw refused(`${url.hostname} resolves to ${forbidden}, which is not a public address (WEBHOOK_ALLOWED_PRIVATE_CIDRS opens private ranges)`);
    }
    return url;
  }

  private addressesOf(host: string): Promise<LookupAddress[]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(refused(`${host} did not resolve in time`)), this.settings.resolveTimeoutMs ?? 5_000);
      this.resolve(host, { all: true }, (error, addresses) => {
        clearTimeout(timer);
        if (error || addresses.length === 0) reject(refused(`${host} does not resolve`));
        else resolve(addresses);
      });
    });
  }
}

function refused(message: string): SluiceException {
  return new SluiceException('url_not_allowed', message, {}, 'url');
}
