export const REDACTED = '[redacted]';

/**
 * Field names whose values are secrets wherever they appear in an audit
 * payload: passwords, tokens, key material and hashes, webhook secrets.
 */
const SECRET_FIELD = /(^|_)(password|secret|token|key|hash|authorization|refresh|access|credentials?)$/i;

/** A deep copy of `value` with every secret field's value replaced by `[redacted]`. */
export function redactSecrets<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item)) as T;
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value.toISOString() as T;
  const copy: Record<string, unknown> = {};
  for (const [field, inner] of Object.entries(value)) {
    copy[field] = SECRET_FIELD.test(field) && inner !== null && inner !== undefined ? REDACTED : redactSecrets(inner);
  }
  return copy as T;
}
