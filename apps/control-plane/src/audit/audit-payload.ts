import { canonicalJson } from '@sluice/control-plane/data-access';
import { createHash } from 'node:crypto';

/** A value in an audit payload whose JSON is longer than this is stored as its digest. */
export const AUDIT_VALUE_MAX_BYTES = 2048;

export interface ValueDigest {
  sha256: string;
  bytes: number;
}

/**
 * The payload to record: each field of `old` and `new` (at any depth) whose
 * JSON exceeds AUDIT_VALUE_MAX_BYTES becomes `{ sha256, bytes }` of its
 * canonical JSON, so a large value costs the append-only chain a few bytes
 * while the event still shows that it changed and which version it was. The
 * chain hashes what is stored, so it verifies as before.
 */
export function digestLargeValues(payload: { old: unknown; new: unknown }): { old: unknown; new: unknown } {
  return { old: digestFields(payload.old), new: digestFields(payload.new) };
}

function digestFields(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return digestIfLarge(value);
  if (Array.isArray(value)) return value.map(digestIfLarge);
  return Object.fromEntries(Object.entries(value).map(([field, inner]) => [field, digestIfLarge(inner)]));
}

function digestIfLarge(value: unknown): unknown {
  if (value === undefined) return value;
  const json = canonicalJson(value);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > AUDIT_VALUE_MAX_BYTES) return { sha256: createHash('sha256').update(json).digest('hex'), bytes } satisfies ValueDigest;
  return value !== null && typeof value === 'object' ? digestFields(value) : value;
}
