import * as crypto from 'node:crypto';
import { canonicalJson, isOmitted } from './canonical-json';

/** The chain of events that belong to no tenant (platform administration). */
export const PLATFORM_CHAIN_ID = '00000000-0000-0000-0000-000000000000';

export type ActorType = 'user' | 'api_key' | 'system';

export interface AuditActor {
  type: ActorType;
  id: string | null;
  email: string | null;
}

/** An audit event as stored and as answered by the API (docs/decisions.md, Audit log). */
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
 */
export function hashAuditEvent(event: UnhashedAuditEvent): string {
  return sha256Hex((event.prev_hash ?? '') + canonicalAuditEvent(event));
}

/**
 * One-shot `crypto.hash` (Node 20.12+) where there is one: for inputs this
 * small, creating a `Hash` object costs more than hashing.
 */
const sha256Hex: (text: string) => string =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('sha256', text, 'hex')
    : (text) => crypto.createHash('sha256').update(text).digest('hex');

/**
 * The RFC 8785 form of an event without its hash. The shape is fixed, so its
 * members are written in their canonical order (UTF-16 code units) without
 * building and sorting an object; only the payload goes through the general
 * canonicaliser. Every field is listed explicitly: a new column must be added
 * here on purpose. A member left `undefined` (possible only from untyped
 * callers) must be omitted, which the general path does.
 */
export function canonicalAuditEvent(event: UnhashedAuditEvent): string {
  if (hasOmittedMember(event)) return canonicalJson(hashedMembers(event));
  const { actor } = event;
  const c = canonicalJson;
  return (
    `{"actor":{"email":${c(actor.email)},"id":${c(actor.id)},"type":${c(actor.type)}},"event_type":${c(event.event_type)},` +
    `"id":${c(event.id)},"ip_address":${c(event.ip_address)},"payload":${c(event.payload)},"prev_hash":${c(event.prev_hash)},` +
    `"request_id":${c(event.request_id)},"resource_id":${c(event.resource_id)},"resource_type":${c(event.resource_type)},` +
    `"seq":${c(event.seq)},"tenant_id":${c(event.tenant_id)},"timestamp":${c(event.timestamp)},"user_agent":${c(event.user_agent)}}`
  );
}

/** What is hashed, as an object: the reference form of `canonicalAuditEvent`. */
export function hashedMembers(event: UnhashedAuditEvent): Record<string, unknown> {
  return {
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
  };
}

function hasOmittedMember(event: UnhashedAuditEvent): boolean {
  const { actor } = event;
  return (
    isOmitted(actor.email) || isOmitted(actor.id) || isOmitted(actor.type) || isOmitted(event.event_type) || isOmitted(event.id) ||
    isOmitted(event.ip_address) || isOmitted(event.payload) || isOmitted(event.prev_hash) || isOmitted(event.request_id) ||
    isOmitted(event.resource_id) || isOmitted(event.resource_type) || isOmitted(event.seq) || isOmitted(event.tenant_id) ||
    isOmitted(event.timestamp) || isOmitted(event.user_agent)
  );
}
