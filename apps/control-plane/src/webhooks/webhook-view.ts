import type { WebhookAttemptRow, WebhookDeliveryRow, WebhookEndpointRow } from './webhooks.repository';

export interface WebhookEndpointView {
  id: string;
  tenant: string;
  url: string;
  events: string[];
  description: string;
  enabled: boolean;
  /** Why Sluice disabled the endpoint (`failing`), or null. */
  disabled_reason: string | null;
  /** When the current run of failed deliveries began, or null. */
  failing_since: string | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookEndpointWithSecretView extends WebhookEndpointView {
  /** The signing secret, shown only here: at creation and after a rotation. */
  secret: string;
}

export interface WebhookAttemptView {
  attempted_at: string;
  status_code: number | null;
  duration_ms: number;
  response_excerpt: string;
  error: string | null;
  next_attempt_at: string | null;
}

export interface WebhookDeliveryView {
  id: string;
  endpoint: string;
  /** The `webhook-id` header: the same on every attempt and redelivery. */
  message_id: string;
  event_type: string;
  status: string;
  attempt_count: number;
  next_attempt_at: string | null;
  payload: unknown;
  attempts: WebhookAttemptView[];
  created_at: string;
}

export function endpointView(row: WebhookEndpointRow): WebhookEndpointView {
  return {
    id: row.id,
    tenant: row.tenant_id,
    url: row.url,
    events: row.events,
    description: row.description,
    enabled: row.enabled,
    disabled_reason: row.disabled_reason,
    failing_since: row.failing_since?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export function deliveryView(row: WebhookDeliveryRow, attempts: WebhookAttemptRow[]): WebhookDeliveryView {
  return {
    id: row.id,
    endpoint: row.endpoint_id,
    message_id: row.message_id,
    event_type: row.event_type,
    status: row.status,
    attempt_count: attempts.length,
    next_attempt_at: row.status === 'pending' ? (row.next_attempt_at?.toISOString() ?? null) : null,
    payload: row.body,
    attempts: attempts.map((attempt) => ({
      attempted_at: attempt.attempted_at.toISOString(),
      status_code: attempt.status_code,
      duration_ms: attempt.duration_ms,
      response_excerpt: attempt.response_excerpt,
      error: attempt.error,
      next_attempt_at: attempt.next_attempt_at?.toISOString() ?? null,
    })),
    created_at: row.created_at.toISOString(),
  };
}
