import { Injectable } from '@nestjs/common';
import type { Transaction } from '@sluice/control-plane/data-access';
import type { WebhookEventBody, WebhookEventType } from './webhook-event-types';
import { WebhooksRepository } from './webhooks.repository';

/**
 * The one way a change announces itself to tenants' webhook endpoints: call
 * {@link emit} inside the change's own transaction. The event commits or rolls
 * back with the change, and the relay (webhook-relay.ts) delivers what
 * committed, also after a crash (docs/webhooks.md, Delivery guarantees).
 */
@Injectable()
export class WebhookOutbox {
  constructor(private readonly webhooks: WebhooksRepository) {}

  emit(tx: Transaction, tenantId: string, type: WebhookEventType, data: object, endpointId?: string): Promise<void> {
    const body: WebhookEventBody = { type, timestamp: new Date().toISOString(), data: { ...data } };
    return this.webhooks.appendEvent(tx, { tenantId, type, body, endpointId });
  }

  /**
   * Emits `usage.threshold` the first time a subject (a quota, a key's budget,
   * the credit balance) crosses `threshold` percent in a period; later calls
   * for the same period and threshold emit nothing. False when already emitted.
   */
  async emitThresholdOnce(tx: Transaction, tenantId: string, crossing: { subject: string; period: string; threshold: number }, data: object): Promise<boolean> {
    if (!(await this.webhooks.markThreshold(tx, tenantId, crossing.subject, crossing.period, crossing.threshold))) return false;
    await this.emit(tx, tenantId, 'usage.threshold', { subject: crossing.subject, period: crossing.period, threshold_percent: crossing.threshold, ...data });
    return true;
  }
}
