import { arrayLiteral } from './pg-array';

/**
 * A one-dimensional PostgreSQL array in the binary wire format (`array_recv`),
 * for a parameter such as `$1::uuid[]`: node-postgres sends a Buffer
 * parameter as binary, and PostgreSQL then reads each element as it is
 * stored (16 bytes of a UUID, 8 of a bigint) instead of parsing its text
 * (`uuid_in`, `int8in`, and the array literal's scan and unquoting around
 * them), which was a third of the ledger statement's cost in parsing its
 * arrays (docs/decisions.md, "Usage ingestion throughput, session 8").
 *
 * Only what the format states exactly goes binary: a UUID in its canonical
 * 8-4-4-4-12 hex form, an integer the element type holds, any string (sent
 * as its UTF-8 bytes, exactly what the text form sends between its quotes;
 * PostgreSQL checks the encoding of both alike), a timestamp written as
 * `toISOString` writes it (`2026-03-02T10:00:00.000Z`, a day that exists,
 * seconds below 60, a year from 1800 to 2199, whose microseconds a double
 * holds exactly). Should one element of a
 * column be anything else, the whole column goes as the text literal of
 * before (`arrayLiteral`), so that PostgreSQL judges it as it always has
 * (a malformed UUID, a number out of range: the same data exception).
 */
type Element = string | number | null | undefined;

/** The element types this writes, by their PostgreSQL OID (`pg_type`). */
const ELEMENT_TYPES = {
  text: { oid: 25, size: (value: Element) => (typeof value === 'string' ? Buffer.byteLength(value) : -1) },
  uuid: { oid: 2950, size: (value: Element) => (isCanonicalUuid(value) ? 16 : -1) },
  int4: { oid: 23, size: (value: Element) => (Number.isInteger(value) && (value as number) >= -2_147_483_648 && (value as number) <= 2_147_483_647 ? 4 : -1) },
  int8: { oid: 20, size: (value: Element) => (Number.isSafeInteger(value) ? 8 : -1) },
  timestamptz: { oid: 1184, size: (value: Element) => (Number.isNaN(timestampMicros(value)) ? -1 : 8) },
} as const;

export type BinaryElementType = keyof typeof ELEMENT_TYPES;

/** 20 bytes of header (dimensions, null flag, element type, length, lower bound), then each element's length and bytes. */
const HEADER_BYTES = 20;

/** `values` as a binary array of `type`, or as the text literal when one of them is not exactly representable (see above). */
export function binaryArray(type: BinaryElementType, values: ArrayLike<Element>): Buffer | string {
  const { oid, size } = ELEMENT_TYPES[type];
  let bytes = HEADER_BYTES;
  let hasNull = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === null || value === undefined) {
      hasNull = 1;
      bytes += 4;
      continue;
    }
    const length = size(value);
    if (length < 0) return arrayLiteral(values);
    bytes += 4 + length;
  }
  const out = Buffer.allocUnsafe(bytes);
  out.writeInt32BE(1, 0);
  out.writeInt32BE(hasNull, 4);
  out.writeUInt32BE(oid, 8);
  out.writeInt32BE(values.length, 12);
  out.writeInt32BE(1, 16);
  let at = HEADER_BYTES;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === null || value === undefined) {
      at = out.writeInt32BE(-1, at);
    } else if (type === 'text') {
      const written = out.write(value as string, at + 4, 'utf8');
      out.writeInt32BE(written, at);
      at += 4 + written;
    } else if (type === 'uuid') {
      at = writeUuid(out, out.writeInt32BE(16, at), value as string);
    } else if (type === 'int4') {
      at = out.writeInt32BE(value as number, out.writeInt32BE(4, at));
    } else {
      // int8, or timestamptz's int8 of microseconds since 2000-01-01 UTC: a safe integer in two 32-bit halves,
      // the high one signed, the low one its two's complement bits.
      const n = type === 'int8' ? (value as number) : timestampMicros(value);
      at = out.writeInt32BE(8, at);
      at = out.writeInt32BE(Math.floor(n / 4_294_967_296), at);
      at = out.writeUInt32BE(n >>> 0, at);
    }
  }
  return out;
}

/** PostgreSQL's timestamp epoch, 2000-01-01T00:00:00Z, in Unix milliseconds. */
const POSTGRES_EPOCH_MS = 946_684_800_000;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Microseconds since PostgreSQL's epoch of a timestamp in `toISOString`'s exact form within the years above, else NaN. */
function timestampMicros(value: Element): number {
  if (typeof value !== 'string' || value.length !== 24) return NaN;
  for (let i = 0; i < 24; i++) {
    const code = value.charCodeAt(i);
    const expected = TIMESTAMP_SHAPE.charCodeAt(i);
    if (expected === 57 ? code < 48 || code > 57 : code !== expected) return NaN;
  }
  const year = number(value, 0, 4);
  const month = number(value, 5, 2);
  const day = number(value, 8, 2);
  const hour = number(value, 11, 2);
  const minute = number(value, 14, 2);
  const second = number(value, 17, 2);
  if (year < 1800 || year > 2199 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return NaN;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > DAYS_IN_MONTH[month - 1] + (leap ? 1 : 0)) return NaN;
  return (Date.UTC(year, month - 1, day, hour, minute, second, number(value, 20, 3)) - POSTGRES_EPOCH_MS) * 1000;
}

/** The form `timestampMicros` reads: 9 stands for any digit, every other character for itself. */
const TIMESTAMP_SHAPE = '9999-99-99T99:99:99.999Z';

/** The number written by `length` ASCII digits at `start`. */
function number(value: string, start: number, length: number): number {
  let n = 0;
  for (let i = start; i < start + length; i++) n = n * 10 + value.charCodeAt(i) - 48;
  return n;
}

function isCanonicalUuid(value: Element): boolean {
  if (typeof value !== 'string' || value.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const code = value.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (code !== 45) return false;
    } else if (hexValue(code) < 0) return false;
  }
  return true;
}

/** The value of a hex digit's character code (either case), or -1. */
function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}

/** The 16 bytes of a canonical UUID (checked by `isCanonicalUuid`) at `at`; returns the offset after them. */
function writeUuid(out: Buffer, at: number, value: string): number {
  for (let i = 0; i < 36; i += 2) {
    if (i === 8 || i === 13 || i === 18 || i === 23) i++;
    out[at++] = (hexValue(value.charCodeAt(i)) << 4) | hexValue(value.charCodeAt(i + 1));
  }
  return at;
}
