import { Injectable } from '@nestjs/common';
import { apiKeyRefusal, hashApiKey, parseApiKey } from '@sluice/auth';
import { ProjectionReader } from '@sluice/gateway/redis-state';
import { SluiceException } from '@sluice/platform';
import type { IncomingHttpHeaders } from 'node:http';
import { readProjection } from '../projection/state-unavailable';
import type { Caller } from './caller';
import { GatewayAuthException } from './gateway-auth.exception';
import { presentedApiKey } from './presented-api-key';

const INVALID_KEY_MESSAGE = 'Invalid API key';

/**
 * Step one of the hot path: the presented key → its record and its tenant's,
 * from the projection cache. Every refusal here happens before anything is
 * counted; a malformed key is refused without a Redis lookup (its checksum
 * fails offline).
 */
@Injectable()
export class Authenticator {
  constructor(private readonly projection: ProjectionReader) {}

  async authenticate(headers: IncomingHttpHeaders, clientIp: string, now = Date.now()): Promise<Caller> {
    const secret = presentedApiKey(headers);
    if (secret === null) throw new GatewayAuthException('invalid_api_key', 'Missing API key: send Authorization: Bearer <key> or x-api-key');
    if (parseApiKey(secret) === null) throw new GatewayAuthException('invalid_api_key', INVALID_KEY_MESSAGE);

    const apiKey = await readProjection(() => this.projection.getApiKey(hashApiKey(secret)));
    if (apiKey === null) await this.ensureProjectionBuilt();
    // Only a live key's tenant is worth a lookup; a key whose tenant is gone belongs to nobody who may call.
    const tenant = apiKey?.status === 'active' ? await readProjection(() => this.projection.getTenant(apiKey.tenant_id)) : null;
    const refusal = apiKeyRefusal({ key: apiKey, tenant, scope: 'inference', clientIp, origin: headers, now });
    if (refusal !== null) throw new GatewayAuthException(refusal.code, refusal.message);
    if (apiKey === null || tenant === null) throw new GatewayAuthException('invalid_api_key', INVALID_KEY_MESSAGE);
    return { apiKey, tenant };
  }

  /**
   * An unknown key is only a 401 if the projection exists: every build writes
   * the catalog, so without one the key may well be good (Redis was flushed,
   * the control plane has not rebuilt yet) and clients should retry.
   */
  private async ensureProjectionBuilt(): Promise<void> {
    if ((await readProjection(() => this.projection.getCatalog())) === null) {
      throw new SluiceException('service_unavailable', 'The gateway has no projection of keys yet (the control plane rebuilds it); retry shortly');
    }
  }
}
