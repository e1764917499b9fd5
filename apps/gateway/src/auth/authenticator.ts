import { Injectable } from '@nestjs/common';
import { hashApiKey, parseApiKey } from '@sluice/auth';
import type { TenantRecordV1 } from '@sluice/contracts';
import { ProjectionReader, ProjectionUnavailableError } from '@sluice/gateway/redis-state';
import { SluiceException } from '@sluice/platform';
import type { IncomingHttpHeaders } from 'node:http';
import type { Caller } from './caller';
import { GatewayAuthException } from './gateway-auth.exception';
import { isIpAllowed } from './ip-allow-list';
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

    const apiKey = await this.read(() => this.projection.getApiKey(hashApiKey(secret)));
    if (apiKey === null) await this.ensureProjectionBuilt();
    if (apiKey === null || apiKey.status !== 'active') throw new GatewayAuthException('invalid_api_key', INVALID_KEY_MESSAGE);
    if (apiKey.expires_at !== null && Date.parse(apiKey.expires_at) <= now) {
      throw new GatewayAuthException('key_expired', `This API key expired at ${apiKey.expires_at}`);
    }
    if (!apiKey.scopes.includes('inference')) {
      throw new GatewayAuthException('forbidden', 'This API key lacks the inference scope');
    }
    const tenant = await this.read(() => this.projection.getTenant(apiKey.tenant_id));
    // A key whose tenant is gone from the projection belongs to nobody who may call.
    if (tenant === null) throw new GatewayAuthException('invalid_api_key', INVALID_KEY_MESSAGE);
    if (tenant.status !== 'active') throw new GatewayAuthException('tenant_suspended', inactiveTenantMessage(tenant));
    if (apiKey.allowed_ips !== null && !isIpAllowed(clientIp, apiKey.allowed_ips)) {
      throw new GatewayAuthException('ip_not_allowed', `Requests from ${clientIp} are not allowed for this API key`);
    }
    return { apiKey, tenant };
  }

  /**
   * An unknown key is only a 401 if the projection exists: every build writes
   * the catalog, so without one the key may well be good (Redis was flushed,
   * the control plane has not rebuilt yet) and clients should retry.
   */
  private async ensureProjectionBuilt(): Promise<void> {
    if ((await this.read(() => this.projection.getCatalog())) === null) {
      throw new SluiceException('service_unavailable', 'The gateway has no projection of keys yet (the control plane rebuilds it); retry shortly');
    }
  }

  private async read<T>(lookup: () => Promise<T>): Promise<T> {
    try {
      return await lookup();
    } catch (error) {
      throw asServiceUnavailable(error);
    }
  }
}

/** SPEC 2's wording: `Tenant acme-corp is suspended: Payment overdue`. */
export function inactiveTenantMessage(tenant: TenantRecordV1): string {
  const reason = tenant.status_reason ? `: ${tenant.status_reason}` : '';
  return `Tenant ${tenant.slug} is ${tenant.status}${reason}`;
}

/** Redis or the projection is out of reach: a 503 clients retry, never a 401 for a key that may be valid. */
export function asServiceUnavailable(error: unknown): unknown {
  if (error instanceof ProjectionUnavailableError) {
    return new SluiceException('service_unavailable', 'The gateway cannot reach its state store; retry shortly');
  }
  return error;
}
