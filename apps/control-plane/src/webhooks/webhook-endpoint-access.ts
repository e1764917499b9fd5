import { Injectable } from '@nestjs/common';
import { isUuid } from '@sluice/contracts';
import { SluiceException } from '@sluice/platform';
import type { Principal } from '../auth/principal';
import { TenantAccess } from '../auth/tenant-access';
import { WebhooksRepository, type WebhookEndpointRow } from './webhooks.repository';

type Headers = Record<string, string | string[] | undefined>;

/**
 * Who may see and manage webhook endpoints: a tenant's admins and owners (and
 * platform admins). Another tenant's endpoint is 404; a member or viewer of
 * the endpoint's tenant gets 403.
 */
@Injectable()
export class WebhookEndpointAccess {
  constructor(
    private readonly access: TenantAccess,
    private readonly webhooks: WebhooksRepository,
  ) {}

  async endpoint(principal: Principal, id: string): Promise<WebhookEndpointRow> {
    const tenantId = isUuid(id) ? await this.webhooks.tenantOfEndpoint(id) : null;
    await this.access.checkResource(principal, tenantId, 'admin', 'Webhook endpoint');
    const endpoint = await this.webhooks.findEndpoint(tenantId as string, id);
    if (!endpoint) throw new SluiceException('not_found', 'Webhook endpoint not found');
    return endpoint;
  }

  /** The tenants a list may show: the one asked for (admin there), else every tenant where the caller is admin. */
  async listableTenantIds(principal: Principal, explicit: string | undefined, headers: Headers): Promise<string[] | null> {
    const named = explicit ?? headers['x-tenant'] ?? headers['x-tenant-domain'];
    if (named !== undefined) return [(await this.access.resolve(principal, explicit, headers, 'admin')).tenant.id];
    if (principal.isPlatformAdmin) return null;
    const tenants = await this.access.tenantsWhereRole(principal, 'admin');
    if (tenants.length === 0 && (await this.access.tenantsWhereRole(principal, 'viewer')).length > 0) {
      throw new SluiceException('forbidden', 'Managing webhooks needs the admin role in a tenant');
    }
    return tenants;
  }
}
