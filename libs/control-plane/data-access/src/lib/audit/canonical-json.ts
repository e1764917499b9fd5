/**
 * RFC 8785 (JCS) canonical JSON, byte-identical to the `canonicalize` package
 * (kept as the reference in the tests) but several times faster on the audit
 * hot path: one string built by appending instead of a `reduce` with a
 * template string per member, no sort for arrays, and an insertion sort for
 * the keys of small objects.
 *
 * The rules are those of ECMAScript's `JSON.stringify`, which RFC 8785 adopts:
 * strings and numbers are printed by it (so `-0` is `0`, `1e21` is `1e+21`,
 * lone surrogates are escaped), object keys are sorted by UTF-16 code units
 * (what the default `Array.prototype.sort` compares), members whose value is
 * `undefined` or a symbol are left out and such array items become `null`.
 * Like the reference, it refuses NaN and infinities and honours `toJSON`.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return canonicalString(value);
    case 'number':
      return canonicalNumber(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (hasToJson(value)) return canonicalJson(value.toJSON());
      return Array.isArray(value) ? canonicalArray(value) : canonicalObject(value as Record<string, unknown>);
    default:
      // undefined, functions, symbols and bigints: whatever `JSON.stringify` makes of them at the top level.
      return String(JSON.stringify(value));
  }
}

/**
 * What `JSON.stringify` escapes in a string: the quote, the backslash, control
 * characters and (well-formed stringify) surrogates, of which only lone ones
 * are escaped; a string with a surrogate pair also takes the slow path.
 */
// eslint-disable-next-line no-control-regex -- the control characters are exactly what must be found
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** `JSON.stringify` of a string: most strings need no escape, and quoting them is several times cheaper than the call. */
export function canonicalString(value: string): string {
  return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
}

/** An object member: `undefined` and symbols are left out, as `JSON.stringify` does. */
export function isOmitted(value: unknown): boolean {
  return value === undefined || typeof value === 'symbol';
}

function canonicalNumber(value: number): string {
  // A safe integer prints the same through String (-0 included, as "0") without the call.
  if (Number.isSafeInteger(value)) return String(value);
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
  if (keys.length > SMALL_OBJECT) keys.sort();
  else sortSmall(keys);
  let out = '{';
  let first = true;
  for (const key of keys) {
    const member = object[key];
    if (isOmitted(member)) continue;
    if (!first) out += ',';
    first = false;
    out += `${canonicalString(key)}:${canonicalJson(member)}`;
  }
  return `${out}}`;
}

/** Up to this many keys, an insertion sort with `>` beats `Array#sort` several times over (and payloads' objects are small). */
const SMALL_OBJECT = 16;

/** In place, by UTF-16 code units (what `>` on strings compares, as `Array#sort` does by default). */
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
