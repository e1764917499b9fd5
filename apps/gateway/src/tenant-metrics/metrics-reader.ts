import { Inject, Injectable } from '@nestjs/common';
import { apiKeyRefusal, hashApiKey, isAccessTokenRevoked, looksLikeJwt, parseApiKey, verifyAccessToken } from '@sluice/auth';
import { isUuid, type TenantRecordV1 } from '@sluice/contracts';
import { ProjectionReader } from '@sluice/gateway/redis-state';
import { REDIS, SluiceException } from '@sluice/platform';
import type Redis from 'ioredis';
import type { IncomingHttpHeaders } from 'node:http';
import { GatewayAuthException } from '../auth/gateway-auth.exception';
import { presentedApiKey } from '../auth/presented-api-key';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { readProjection } from '../projection/state-unavailable';

const INVALID_CREDENTIALS = 'Invalid credentials: send a tenant API key with the read scope or a platform admin access token';
const TENANT_NOT_FOUND = 'Tenant not found';

/**
 * Who may read `/metrics/{tenant_id}` (README.md, API: the gateway): a key of that tenant with the
 * `read` (or `write`) scope, or a platform admin's access token. A key of
 * another tenant gets the same 404 as an unknown tenant, so ids cannot be probed.
 * A key meets the same policy as on the inference routes: its tenant must be
 * active and the caller's address within the key's allow-list.
 */
@Injectable()
export class MetricsReader {
  constructor(
    private readonly projection: ProjectionReader,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** Resolves when the caller may read `tenantId`'s metrics and the tenant exists; throws the refusal otherwise. */
  async authorize(headers: IncomingHttpHeaders, tenantId: string, clientIp: string, now = Date.now()): Promise<void> {
    const credential = presentedApiKey(headers);
    if (credential === null) throw new SluiceException('unauthorized', 'Missing credentials: send Authorization: Bearer (or Token) <key or token>');
    if (looksLikeJwt(credential)) {
      await this.authorizeAdmin(credential);
      await this.tenant(tenantId);
    } else {
      await this.authorizeKey(credential, tenantId, clientIp, now);
    }
  }

  private async tenant(tenantId: string): Promise<TenantRecordV1> {
    const tenant = isUuid(tenantId) ? await readProjection(() => this.projection.getTenant(tenantId)) : null;
    if (tenant === null) throw new SluiceException('not_found', TENANT_NOT_FOUND);
    return tenant;
  }

  private async authorizeAdmin(token: string): Promise<void> {
    const claims = await verifyAccessToken(this.config.jwtSecret, token);
    if (claims === null) throw new SluiceException('unauthorized', INVALID_CREDENTIALS);
    // Without Redis nobody can tell whether the token was revoked: 503 rather than letting it through.
    const revoked = await isAccessTokenRevoked(this.redis, claims).catch(() => {
      throw new SluiceException('service_unavailable', 'Access tokens cannot be checked right now; retry shortly');
    });
    if (revoked) throw new SluiceException('unauthorized', 'This access token was revoked');
    if (!claims.adm) throw new SluiceException('forbidden', 'Only platform admins may read metrics with an access token');
  }

  /** The key policy of the inference routes (`@sluice/auth` key-policy), with the `read` scope and the tenant in the path. */
  private async authorizeKey(secret: string, tenantId: string, clientIp: string, now: number): Promise<void> {
    const apiKey = parseApiKey(secret) === null ? null : await readProjection(() => this.projection.getApiKey(hashApiKey(secret)));
    if (apiKey === null || apiKey.status !== 'active') throw new SluiceException('invalid_api_key', INVALID_CREDENTIALS);
    if (apiKey.tenant_id !== tenantId) throw new SluiceException('not_found', TENANT_NOT_FOUND);
    const refusal = apiKeyRefusal({ key: apiKey, tenant: await this.tenant(tenantId), scope: 'read', clientIp, now });
    if (refusal !== null) throw new GatewayAuthException(refusal.code, refusal.message);
  }
}
