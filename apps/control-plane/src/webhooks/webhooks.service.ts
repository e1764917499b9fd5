import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@sluice/control-plane/data-access';
import { SluiceException } from '@sluice/platform';
import { pageWindow } from '@sluice/platform/openapi';
import { randomUUID } from 'node:crypto';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { TenantAccess } from '../auth/tenant-access';
import { SecretBox } from '../secrets/secret-box';
import type { CreateWebhookEndpointDto, ListWebhookEndpointsQueryDto, RotateWebhookSecretDto, UpdateWebhookEndpointDto } from './dto/webhook.dto';
import { WebhookDestinations } from './webhook-destinations';
import { WebhookEndpointAccess } from './webhook-endpoint-access';
import type { WebhookEventType } from './webhook-event-types';
import { WebhookOutbox } from './webhook-outbox';
import { endpointContext, previousEndpointContext } from './webhook-secrets';
import { generateSigningSecret } from './webhook-signature';
import { endpointView, type WebhookEndpointView, type WebhookEndpointWithSecretView } from './webhook-view';
import { WebhooksRepository } from './webhooks.repository';

type Headers = Record<string, string | string[] | undefined>;

/** Enough for a tenant's receivers; a bound on what one tenant can make every event fan out to. */
export const MAX_ENDPOINTS_PER_TENANT = 20;
const DEFAULT_ROTATION_GRACE_SECONDS = 86_400;

export interface WebhookTestView {
  event_type: 'webhook.test';
  endpoint: string;
  queued: boolean;
}

/**
 * A tenant's webhook endpoints (docs/webhooks.md). The signing secret is
 * sealed at rest (Sluice must read it back to sign) and shown only when it is
 * made: at creation and on rotation. Every change is audited in its own
 * transaction.
 */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly webhooks: WebhooksRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly access: TenantAccess,
    private readonly endpoints: WebhookEndpointAccess,
    private readonly audit: AuditService,
    private readonly secrets: SecretBox,
    private readonly destinations: WebhookDestinations,
    private readonly outbox: WebhookOutbox,
  ) {}

  async list(principal: Principal, query: ListWebhookEndpointsQueryDto, headers: Headers): Promise<{ count: number; results: WebhookEndpointView[] }> {
    const tenantIds = await this.endpoints.listableTenantIds(principal, query.tenant, headers);
    const slice = await this.webhooks.listEndpoints(tenantIds, pageWindow(query));
    return { count: slice.count, results: slice.rows.map(endpointView) };
  }

  async get(principal: Principal, id: string): Promise<WebhookEndpointView> {
    return endpointView(await this.endpoints.endpoint(principal, id));
  }

  async create(principal: Principal, dto: CreateWebhookEndpointDto, headers: Headers): Promise<WebhookEndpointWithSecretView> {
    const { tenant } = await this.access.resolve(principal, dto.tenant, headers, 'admin');
    const url = await this.destinations.check(dto.url);
    const id = randomUUID();
    const secret = generateSigningSecret();
    const row = await this.unitOfWork.run(async (tx) => {
      const existing = await this.webhooks.listEndpoints([tenant.id], { limit: 1, offset: 0 });
      if (existing.count >= MAX_ENDPOINTS_PER_TENANT) {
        throw new SluiceException('conflict', `Tenant ${tenant.slug} has reached its limit of ${MAX_ENDPOINTS_PER_TENANT} webhook endpoints`, { max_endpoints: MAX_ENDPOINTS_PER_TENANT });
      }
      const created = await this.webhooks.createEndpoint(tx, tenant.id, {
        id,
        url: url.href,
        events: unique(dto.events),
        description: dto.description ?? '',
        enabled: dto.enabled ?? true,
        secretSealed: this.secrets.seal(secret, endpointContext(id)),
      });
      await this.audit.record(tx, { tenantId: tenant.id, eventType: 'webhook_endpoint.created', resourceType: 'webhook_endpoint', resourceId: id, new: endpointView(created) });
      return created;
    });
    return { ...endpointView(row), secret };
  }

  async update(principal: Principal, id: string, dto: UpdateWebhookEndpointDto): Promise<WebhookEndpointView> {
    const endpoint = await this.endpoints.endpoint(principal, id);
    const url = dto.url === undefined ? undefined : (await this.destinations.check(dto.url)).href;
    const reenabled = dto.enabled === true && !endpoint.enabled;
    const row = await this.unitOfWork.run(async (tx) => {
      const current = await this.webhooks.lockEndpoint(tx, endpoint.tenant_id, id);
      if (!current) throw new SluiceException('not_found', 'Webhook endpoint not found');
      const updated = await this.webhooks.updateEndpoint(tx, endpoint.tenant_id, id, {
        url,
        events: dto.events === undefined ? undefined : unique(dto.events),
        description: dto.description,
        enabled: dto.enabled,
        ...(reenabled ? { failing_since: null, disabled_reason: null } : {}),
      });
      await this.audit.record(tx, { tenantId: endpoint.tenant_id, eventType: 'webhook_endpoint.updated', resourceType: 'webhook_endpoint', resourceId: id, old: endpointView(current), new: endpointView(updated) });
      return updated;
    });
    return endpointView(row);
  }

  async remove(principal: Principal, id: string): Promise<void> {
    const endpoint = await this.endpoints.endpoint(principal, id);
    await this.unitOfWork.run(async (tx) => {
      await this.webhooks.deleteEndpoint(tx, endpoint.tenant_id, id);
      await this.audit.record(tx, { tenantId: endpoint.tenant_id, eventType: 'webhook_endpoint.deleted', resourceType: 'webhook_endpoint', resourceId: id, old: endpointView(endpoint) });
    });
  }

  /** A new secret; for `grace_seconds` deliveries carry a signature with the old one too. */
  async rotateSecret(principal: Principal, id: string, dto: RotateWebhookSecretDto): Promise<WebhookEndpointWithSecretView> {
    const endpoint = await this.endpoints.endpoint(principal, id);
    const grace = dto.grace_seconds ?? DEFAULT_ROTATION_GRACE_SECONDS;
    const secret = generateSigningSecret();
    const row = await this.unitOfWork.run(async (tx) => {
      const current = await this.webhooks.lockEndpoint(tx, endpoint.tenant_id, id);
      if (!current) throw new SluiceException('not_found', 'Webhook endpoint not found');
      const previous = this.secrets.open(current.secret_sealed, endpointContext(id));
      const updated = await this.webhooks.updateEndpoint(tx, endpoint.tenant_id, id, {
        secret_sealed: this.secrets.seal(secret, endpointContext(id)),
        previous_secret_sealed: grace > 0 ? this.secrets.seal(previous, previousEndpointContext(id)) : null,
        previous_secret_expires_at: grace > 0 ? new Date(Date.now() + grace * 1000) : null,
      });
      await this.audit.record(tx, { tenantId: endpoint.tenant_id, eventType: 'webhook_endpoint.secret_rotated', resourceType: 'webhook_endpoint', resourceId: id, new: { grace_seconds: grace } });
      return updated;
    });
    return { ...endpointView(row), secret };
  }

  /** Queues a `webhook.test` event for this endpoint alone (also when it does not subscribe to anything else). */
  async sendTest(principal: Principal, id: string): Promise<WebhookTestView> {
    const endpoint = await this.endpoints.endpoint(principal, id);
    if (!endpoint.enabled) throw new SluiceException('conflict', 'The endpoint is disabled: enable it before sending a test event');
    const type: WebhookEventType = 'webhook.test';
    await this.unitOfWork.run((tx) => this.outbox.emit(tx, endpoint.tenant_id, type, { endpoint: id, message: 'A test event sent from Sluice' }, id));
    return { event_type: type, endpoint: id, queued: true };
  }
}

function unique(events: string[]): string[] {
  return [...new Set(events)];
}
