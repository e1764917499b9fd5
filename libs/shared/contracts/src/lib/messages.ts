/**
 * Versioned messages carried over Redis between the services. A reader accepts
 * the versions it knows and ignores the rest, so either side can be upgraded first.
 */
import type { KeyEnvironment } from './projection';

/** Published on the invalidation channel whenever a projection record changes. */
export interface InvalidationMessageV1 {
  v: 1;
  kind: 'api_key' | 'tenant' | 'catalog' | 'all';
  /** Key hash or tenant id; absent for `catalog` and `all`. */
  id?: string;
}

export type InvalidationMessage = InvalidationMessageV1;

/** A projection record: an API key by the hash of a secret, a tenant by id, or the catalog. */
export type ProjectionTarget = { kind: 'api_key'; id: string } | { kind: 'tenant'; id: string } | { kind: 'catalog' };

/** The invalidation message announcing a change of `target`'s record. */
export function invalidationFor(target: ProjectionTarget): InvalidationMessage {
  return target.kind === 'catalog' ? { v: 1, kind: 'catalog' } : { v: 1, kind: target.kind, id: target.id };
}

/** One gateway request, appended to the usage stream when it ends. */
export interface UsageEventV1 {
  v: 1;
  request_id: string;
  tenant_id: string;
  api_key_id: string;
  team_id: string | null;
  environment: KeyEnvironment;
  model: string;
  provider: string;
  deployment: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  /** Cost in USD micro-units (1e-6 USD), an integer so sums stay exact. */
  cost_micros: number;
  usage_source: 'provider' | 'estimated';
  outcome: 'completed' | 'provider_error' | 'client_aborted' | 'rejected';
  http_status: number;
  latency_ms: number;
  time_to_first_token_ms: number | null;
  started_at: string;
  finished_at: string;
}

export type UsageEvent = UsageEventV1;

export function parseInvalidationMessage(raw: string): InvalidationMessage | null {
  try {
    const message = JSON.parse(raw) as Partial<InvalidationMessage>;
    return message && message.v === 1 && typeof message.kind === 'string' ? (message as InvalidationMessage) : null;
  } catch {
    return null;
  }
}
