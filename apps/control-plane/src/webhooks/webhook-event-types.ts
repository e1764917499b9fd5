/**
 * Every event an endpoint may receive (docs/webhooks.md lists a payload for
 * each). `webhook.test` goes only to the endpoint it was sent to, and
 * `webhook.disabled` to every other enabled endpoint of the tenant, whether or
 * not they subscribe to it.
 */
export const WEBHOOK_EVENT_TYPES = [
  'key.created',
  'key.revoked',
  'key.rotated',
  'key.deleted',
  'user.registered',
  'tenant.suspended',
  'tenant.restored',
  'member.added',
  'member.removed',
  'usage.threshold',
  'billing.payment_succeeded',
  'billing.payment_failed',
  'billing.credits_added',
  'billing.plan_changed',
  'partner.payment',
  'partner.subscription',
  'webhook.test',
  'webhook.disabled',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** What an endpoint may subscribe to: everything but the test event, which is sent on request only. */
export const SUBSCRIBABLE_EVENT_TYPES: readonly WebhookEventType[] = WEBHOOK_EVENT_TYPES.filter((type) => type !== 'webhook.test');

/** The JSON body every delivery carries. */
export interface WebhookEventBody {
  type: WebhookEventType;
  timestamp: string;
  data: Record<string, unknown>;
}
