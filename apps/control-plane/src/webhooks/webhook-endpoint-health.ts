import { Inject, Injectable, Logger } from '@nestjs/common';
import { UnitOfWork, type Transaction } from '@sluice/control-plane/data-access';
import { AuditService } from '../audit/audit.service';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { WebhookOutbox } from './webhook-outbox';
import { endpointView } from './webhook-view';
import { WebhooksRepository } from './webhooks.repository';

/**
 * Tracks how long an endpoint has been failing; one failing for
 * WEBHOOK_DISABLE_AFTER_HOURS is disabled, audited, its pending deliveries
 * stopped, and `webhook.disabled` goes to the tenant's other endpoints, in
 * one transaction that re-checks the streak under the endpoint's row lock.
 */
@Injectable()
export class WebhookEndpointHealth {
  private readonly logger = new Logger('Webhooks');

  constructor(
    private readonly webhooks: WebhooksRepository,
    private readonly audit: AuditService,
    private readonly outbox: WebhookOutbox,
    private readonly unitOfWork: UnitOfWork,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  /** Whether a failing streak that began at `failingSince` is long enough to disable the endpoint. */
  failingTooLong(failingSince: Date | null): boolean {
    return failingSince !== null && Date.now() - new Date(failingSince).getTime() >= this.config.webhooks.disableAfterMs;
  }

  /** Disables the endpoint if it is still enabled and still failing for too long; true when this call disabled it. */
  async disableIfFailing(tenantId: string, endpointId: string): Promise<boolean> {
    return this.unitOfWork.run((tx) => this.disableInTransaction(tx, tenantId, endpointId));
  }

  private async disableInTransaction(tx: Transaction, tenantId: string, endpointId: string): Promise<boolean> {
    const current = await this.webhooks.lockEndpoint(tx, tenantId, endpointId);
    if (!current?.enabled || !this.failingTooLong(current.failing_since)) return false;
    const failingSince = current.failing_since as Date;
    const disabled = await this.webhooks.updateEndpoint(tx, tenantId, endpointId, { enabled: false, disabled_reason: 'failing' });
    await this.webhooks.abandonPending(tx, endpointId);
    await this.audit.record(tx, { tenantId, eventType: 'webhook_endpoint.disabled', resourceType: 'webhook_endpoint', resourceId: endpointId, old: endpointView(current), new: endpointView(disabled) });
    await this.outbox.emit(tx, tenantId, 'webhook.disabled', { endpoint: endpointId, url: current.url, failing_since: new Date(failingSince).toISOString(), reason: 'failing' });
    this.logger.warn(`Webhook endpoint ${endpointId} disabled: its deliveries have failed since ${new Date(failingSince).toISOString()}`);
    return true;
  }
}
