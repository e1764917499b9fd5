import { Inject, Injectable } from '@nestjs/common';
import { UnitOfWork } from '@sluice/control-plane/data-access';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { SecretBox } from '../secrets/secret-box';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookEndpointHealth } from './webhook-endpoint-health';
import { endpointContext, previousEndpointContext } from './webhook-secrets';
import { WebhookSender } from './webhook-sender';
import { signatureHeader } from './webhook-signature';
import { WebhooksRepository, type ClaimedDelivery } from './webhooks.repository';

export type AttemptOutcome = 'not_due' | 'succeeded' | 'retrying' | 'failed' | 'endpoint_disabled';

/**
 * One attempt of one delivery: claim it (so no other worker or replica sends
 * the same attempt), sign and send it, record the attempt, then either finish
 * it or schedule the next attempt on WEBHOOK_RETRY_SCHEDULE with the same
 * `webhook-id`. A process that dies mid-attempt leaves a lease that runs out;
 * the sweeper then queues the attempt again.
 */
@Injectable()
export class WebhookDeliverer {
  constructor(
    private readonly webhooks: WebhooksRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly secrets: SecretBox,
    private readonly sender: WebhookSender,
    private readonly dispatcher: WebhookDispatcher,
    private readonly health: WebhookEndpointHealth,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  /** Long enough for one attempt to finish; a claim older than this belonged to a process that died. */
  get leaseMs(): number {
    return this.config.webhooks.timeoutMs + 10_000;
  }

  async attempt(deliveryId: string, expectedAttempt: number): Promise<AttemptOutcome> {
    const delivery = await this.webhooks.claim(deliveryId, expectedAttempt, this.leaseMs);
    if (!delivery) return 'not_due';
    if (!delivery.enabled) {
      await this.unitOfWork.run((tx) => this.webhooks.finishDelivery(tx, delivery.id, { status: 'failed', scheduleStep: delivery.schedule_step, nextAttemptAt: null }));
      return 'endpoint_disabled';
    }
    const body = JSON.stringify(delivery.body);
    const timestamp = Math.floor(Date.now() / 1000);
    const response = await this.sender.send({
      url: delivery.url,
      body,
      headers: {
        'webhook-id': delivery.message_id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signatureHeader(this.signingSecrets(delivery), delivery.message_id, timestamp, body),
      },
    });
    const schedule = this.config.webhooks.retryScheduleSeconds;
    const retryAt = !response.ok && delivery.schedule_step < schedule.length ? new Date(Date.now() + schedule[delivery.schedule_step] * 1000) : null;
    const { failingSince, enabled } = await this.webhooks.completeAttempt(
      { id: delivery.id, endpointId: delivery.endpoint_id },
      { statusCode: response.statusCode, durationMs: response.durationMs, responseExcerpt: response.excerpt, error: response.error, nextAttemptAt: retryAt },
      { status: response.ok ? 'succeeded' : retryAt ? 'pending' : 'failed', scheduleStep: response.ok ? delivery.schedule_step : delivery.schedule_step + 1 },
    );
    const disabled = !response.ok && this.health.failingTooLong(failingSince) && (await this.health.disableIfFailing(delivery.tenant_id, delivery.endpoint_id));
    if (response.ok) return 'succeeded';
    if (disabled || !enabled) return 'endpoint_disabled';
    if (!retryAt) return 'failed';
    // If Redis refuses, the sweeper queues it once it is due.
    await this.dispatcher.dispatch([{ id: delivery.id, endpoint_id: delivery.endpoint_id, attempt_count: delivery.attempt_count, next_attempt_at: retryAt }]).catch(() => undefined);
    return 'retrying';
  }

  /** The current secret, and during a rotation window the previous one too. */
  private signingSecrets(delivery: ClaimedDelivery): string[] {
    const secrets = [this.secrets.open(delivery.secret_sealed, endpointContext(delivery.endpoint_id))];
    if (delivery.previous_secret_sealed && delivery.previous_secret_expires_at && new Date(delivery.previous_secret_expires_at).getTime() > Date.now()) {
      secrets.push(this.secrets.open(delivery.previous_secret_sealed, previousEndpointContext(delivery.endpoint_id)));
    }
    return secrets;
  }
}
