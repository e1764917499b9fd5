import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';

/** The chain of events that belong to no tenant (platform administration). */
export const PLATFORM_CHAIN_ID = '00000000-0000-0000-0000-000000000000';

export type ActorType = 'user' | 'api_key' | 'system';

export interface AuditActor {
  type: ActorType;
  id: string | null;
  email: string | null;
}

/** An audit event as stored and as answered by the API (SPEC section 3.5). */
export interface AuditEvent {
  id: number;
  tenant_id: string | null;
  seq: number;
  event_type: string;
  actor: AuditActor;
  resource_type: string;
  resource_id: string | null;
  payload: Record<string, unknown>;
  ip_address: string | null;
  user_agent: string | null;
  request_id: string | null;
  /** ISO-8601 UTC with milliseconds: the stored precision, so it re-hashes exactly. */
  timestamp: string;
  prev_hash: string | null;
  hash: string;
}

export type UnhashedAuditEvent = Omit<AuditEvent, 'hash'>;

/**
 * `sha256(prev_hash + canonical JSON of the event without its hash)`, with
 * RFC 8785 canonicalisation, so any verifier in any language recomputes it.
 * Every field is listed explicitly: a new column must be added here on purpose.
 */
export function hashAuditEvent(event: UnhashedAuditEvent): string {
  const canonical = canonicalize({
    id: event.id,
    tenant_id: event.tenant_id,
    seq: event.seq,
    event_type: event.event_type,
    actor: { type: event.actor.type, id: event.actor.id, email: event.actor.email },
    resource_type: event.resource_type,
    resource_id: event.resource_id,
    payload: event.payload,
    ip_address: event.ip_address,
    user_agent: event.user_agent,
    request_id: event.request_id,
    timestamp: event.timestamp,
    prev_hash: event.prev_hash,
  });
  return createHash('sha256')
    .update(event.prev_hash ?? '')
    .update(canonical ?? '')
    .digest('hex');
}
