import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@sluice/control-plane/data-access';
import { isUuid } from '@sluice/contracts';
import { SluiceException } from '@sluice/platform';
import { pageWindow, type PaginationQueryDto } from '@sluice/platform/openapi';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookEndpointAccess } from './webhook-endpoint-access';
import { deliveryView, type WebhookDeliveryView } from './webhook-view';
import { WebhooksRepository } from './webhooks.repository';

/** An endpoint's delivery log, and sending a delivery again (same `webhook-id`, the schedule from the start). */
@Injectable()
export class WebhookDeliveriesService {
  constructor(
    private readonly webhooks: WebhooksRepository,
    private readonly endpoints: WebhookEndpointAccess,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: AuditService,
    private readonly dispatcher: WebhookDispatcher,
  ) {}

  async list(principal: Principal, endpointId: string, query: PaginationQueryDto): Promise<{ count: number; results: WebhookDeliveryView[] }> {
    const endpoint = await this.endpoints.endpoint(principal, endpointId);
    const slice = await this.webhooks.listDeliveries(endpoint.tenant_id, endpoint.id, pageWindow(query));
    const attempts = await this.webhooks.attemptsOf(slice.rows.map((row) => row.id));
    return { count: slice.count, results: slice.rows.map((row) => deliveryView(row, attempts.filter((attempt) => attempt.delivery_id === row.id))) };
  }

  async redeliver(principal: Principal, endpointId: string, deliveryId: string): Promise<WebhookDeliveryView> {
    const endpoint = await this.endpoints.endpoint(principal, endpointId);
    const delivery = isUuid(deliveryId) ? await this.webhooks.findDelivery(endpoint.tenant_id, endpoint.id, deliveryId) : null;
    if (!delivery) throw new SluiceException('not_found', 'Webhook delivery not found');
    if (!endpoint.enabled) throw new SluiceException('conflict', 'The endpoint is disabled: enable it before redelivering');
    const requeued = await this.unitOfWork.run(async (tx) => {
      const row = await this.webhooks.requeueDelivery(tx, endpoint.tenant_id, delivery.id);
      await this.audit.record(tx, { tenantId: endpoint.tenant_id, eventType: 'webhook_delivery.redelivered', resourceType: 'webhook_delivery', resourceId: delivery.id, new: { endpoint: endpoint.id, message_id: delivery.message_id } });
      return row;
    });
    // If Redis refuses, the sweeper queues it.
    await this.dispatcher.dispatch([{ id: requeued.id, endpoint_id: requeued.endpoint_id, attempt_count: requeued.attempt_count, next_attempt_at: requeued.next_attempt_at ?? new Date() }]).catch(() => undefined);
    return deliveryView(requeued, await this.webhooks.attemptsOf([requeued.id]));
  }
}
