/**
 * What `bench:audit` compares the hashing of one event against in the same
 * run: the canonical JSON and hash before strings and safe integers got their
 * fast paths (issue 23), verbatim. Only the canonical form's cost changed; the
 * row decoding (`parseChainRow`) is today's on both sides.
 */
import type { UnhashedAuditEvent } from '@sluice/control-plane/data-access';
import * as crypto from 'node:crypto';

function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return canonicalNumber(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (hasToJson(value)) return canonicalJson(value.toJSON());
      return Array.isArray(value) ? canonicalArray(value) : canonicalObject(value as Record<string, unknown>);
    default:
      return String(JSON.stringify(value));
  }
}

function isOmitted(value: unknown): boolean {
  return value === undefined || typeof value === 'symbol';
}

function canonicalNumber(value: number): string {
  if (Number.isNaN(value)) throw new Error('NaN is not allowed');
  if (!Number.isFinite(value)) throw new Error('Infinity is not allowed');
  return JSON.stringify(value);
}

function canonicalArray(items: unknown[]): string {
  let out = '[';
  for (let index = 0; index < items.length; index += 1) {
    if (index > 0) out += ',';
    const item = items[index];
    out += isOmitted(item) ? 'null' : canonicalJson(item);
  }
  return `${out}]`;
}

function canonicalObject(object: Record<string, unknown>): string {
  const keys = Object.keys(object);
  if (keys.length > 16) keys.sort();
  else sortSmall(keys);
  let out = '{';
  let first = true;
  for (const key of keys) {
    const member = object[key];
    if (isOmitted(member)) continue;
    if (!first) out += ',';
    first = false;
    out += `${JSON.stringify(key)}:${canonicalJson(member)}`;
  }
  return `${out}}`;
}

function sortSmall(keys: string[]): void {
  for (let index = 1; index < keys.length; index += 1) {
    const key = keys[index];
    let before = index - 1;
    while (before >= 0 && keys[before] > key) {
      keys[before + 1] = keys[before];
      before -= 1;
    }
    keys[before + 1] = key;
  }
}

function hasToJson(value: object): value is { toJSON(): unknown } {
  return (value as { toJSON?: unknown }).toJSON instanceof Function;
}

/** The previous `hashAuditEvent` (events with every member set, as the bench's are). */
export function previousHashAuditEvent(event: UnhashedAuditEvent): string {
  const { actor } = event;
  const c = canonicalJson;
  const canonical =
    `{"actor":{"email":${c(actor.email)},"id":${c(actor.id)},"type":${c(actor.type)}},"event_type":${c(event.event_type)},` +
    `"id":${c(event.id)},"ip_address":${c(event.ip_address)},"payload":${c(event.payload)},"prev_hash":${c(event.prev_hash)},` +
    `"request_id":${c(event.request_id)},"resource_id":${c(event.resource_id)},"resource_type":${c(event.resource_type)},` +
    `"seq":${c(event.seq)},"tenant_id":${c(event.tenant_id)},"timestamp":${c(event.timestamp)},"user_agent":${c(event.user_agent)}}`;
  return crypto.hash('sha256', (event.prev_hash ?? '') + canonical, 'hex');
}
