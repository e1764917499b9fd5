import type { components } from '@sluice/client';
import { formatTime } from './format';

export type WebhookEventType = components['schemas']['CreateWebhookEndpointDto']['events'][number];
type Delivery = components['schemas']['WebhookDeliveryResponseDto'];
type Endpoint = components['schemas']['WebhookEndpointResponseDto'];

/** Every event type an endpoint can subscribe to, in the API's words (the compiler fails when the API's list changes). */
const EVENT_TYPE_SET = {
  'key.created': true,
  'key.revoked': true,
  'key.rotated': true,
  'key.deleted': true,
  'user.registered': true,
  'tenant.suspended': true,
  'tenant.restored': true,
  'member.added': true,
  'member.removed': true,
  'usage.threshold': true,
  'billing.payment_succeeded': true,
  'billing.payment_failed': true,
  'billing.credits_added': true,
  'billing.plan_changed': true,
  'partner.payment': true,
  'partner.subscription': true,
  'webhook.disabled': true,
} satisfies Record<WebhookEventType, true>;

export const WEBHOOK_EVENT_TYPES = Object.keys(EVENT_TYPE_SET) as WebhookEventType[];

/** Adds or removes one event type, keeping the API's order. */
export function toggleEvent(selected: readonly WebhookEventType[], type: WebhookEventType, on: boolean): WebhookEventType[] {
  return WEBHOOK_EVENT_TYPES.filter((candidate) => (candidate === type ? on : selected.includes(candidate)));
}

/** One row of the delivery log: what the last attempt got back, and when the next one is due. */
export function deliverySummary(delivery: Delivery): { outcome: string; duration: string; nextAttempt: string | null } {
  const last = delivery.attempts.length > 0 ? delivery.attempts[delivery.attempts.length - 1] : undefined;
  const outcome = !last ? 'not attempted yet' : last.status_code !== null ? `HTTP ${last.status_code}` : (last.error ?? 'no answer');
  return { outcome, duration: last ? `${last.duration_ms} ms` : '—', nextAttempt: delivery.status === 'pending' ? delivery.next_attempt_at : null };
}

/** An endpoint's state in words: why Sluice or an admin disabled it, or since when it has been failing. */
export function endpointState(endpoint: Pick<Endpoint, 'enabled' | 'disabled_reason' | 'failing_since'>): string {
  if (endpoint.enabled) return endpoint.failing_since ? `enabled, failing since ${formatTime(endpoint.failing_since)}` : 'enabled';
  return endpoint.disabled_reason ? `disabled: ${endpoint.disabled_reason}` : 'disabled';
}
