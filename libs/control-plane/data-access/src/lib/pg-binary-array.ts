import { arrayLiteral } from './pg-array';

/**
 * A one-dimensional PostgreSQL array in the binary wire format (`array_recv`),
 * for a parameter such as `$1::uuid[]`: node-postgres sends a Buffer
 * parameter as binary, and PostgreSQL then reads each element as it is
 * stored (16 bytes of a UUID, 8 of a bigint or a timestamp) instead of
 * parsing its text (`uuid_in`, `timestamptz_in`, `int8in`, and the array
 * literal's scan around them): about half of the ledger statement's cost in
 * reading its arrays (docs/decisions.md, "Usage ingestion throughput,
 * session 8"). Texts stay literals (`arrayLiteral`): PostgreSQL reads them
 * about as cheaply, and a string's UTF-8 bytes cost more to write here one
 * element at a time than one literal per column does.
 *
 * Only what the format states exactly goes binary: a UUID in its canonical
 * 8-4-4-4-12 hex form (either case), an integer the element type holds, a
 * timestamp written as `toISOString` writes it (`2026-03-02T10:00:00.000Z`:
 * a day that exists, seconds below 60, a year from 1800 to 2199, whose
 * microseconds a double holds exactly). Should one element of a column be
 * anything else, the whole column goes as the text literal of before, so
 * that PostgreSQL reads or refuses it as it always has (a malformed UUID, a
 * number out of range, another form of timestamp: the same value, or the
 * same data exception).
 */
type Element = string | number | null | undefined;

/** The element types written in binary: PostgreSQL's OID for each (`pg_type`) and its size in bytes. */
const ELEMENT_TYPES = {
  uuid: { oid: 2950, size: 16 },
  int4: { oid: 23, size: 4 },
  int8: { oid: 20, size: 8 },
  timestamptz: { oid: 1184, size: 8 },
} as const;

export type BinaryElementType = keyof typeof ELEMENT_TYPES;

/** 20 bytes of header (dimensions, null flag, element type, length, lower bound), then each element's length and bytes. */
const HEADER_BYTES = 20;

/** `values` as a binary array of `type`, or as the text literal when one of them cannot be stated exactly (see above). */
export function binaryArray(type: BinaryElementType, values: ArrayLike<Element>): Buffer | string {
  const { oid, size } = ELEMENT_TYPES[type];
  const out = Buffer.allocUnsafe(HEADER_BYTES + values.length * (4 + size));
  let hasNull = 0;
  let at = HEADER_BYTES;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === null || value === undefined) {
      hasNull = 1;
      at = writeInt32(out, at, -1);
      continue;
    }
    const written = writeElement(type, out, writeInt32(out, at, size), value);
    if (written < 0) return arrayLiteral(values);
    at = written;
  }
  writeInt32(out, 0, 1);
  writeInt32(out, 4, hasNull);
  writeInt32(out, 8, oid);
  writeInt32(out, 12, values.length);
  writeInt32(out, 16, 1);
  return out.subarray(0, at);
}

/** Writes one element's bytes at `at`; returns the offset after them, or -1 when the value cannot be stated exactly. */
function writeElement(type: BinaryElementType, out: Buffer, at: number, value: string | number): number {
  if (type === 'uuid') return typeof value === 'string' ? writeUuid(out, at, value) : -1;
  if (type === 'int4') return Number.isInteger(value) && (value as number) >= -2_147_483_648 && (value as number) <= 2_147_483_647 ? writeInt32(out, at, value as number) : -1;
  // int8, or timestamptz's int8 of microseconds since 2000-01-01 UTC.
  const n = type === 'int8' ? (Number.isSafeInteger(value) ? (value as number) : NaN) : timestampMicros(value);
  if (Number.isNaN(n)) return -1;
  // A safe integer in two 32-bit halves: the high one signed, the low one its two's complement bits.
  return writeInt32(out, writeInt32(out, at, Math.floor(n / 4_294_967_296)), n % 4_294_967_296);
}

/** The low 32 bits of an integer, big-endian, at `at` (byte stores: cheaper than Buffer's checked writers in this loop); the offset after them. */
function writeInt32(out: Buffer, at: number, value: number): number {
  out[at] = value >>> 24;
  out[at + 1] = value >>> 16;
  out[at + 2] = value >>> 8;
  out[at + 3] = value;
  return at + 4;
}

/** Each ASCII character code's value as a hex digit (either case), -1 for any other. */
const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX['0123456789abcdef'.charCodeAt(i)] = i;
  HEX['0123456789ABCDEF'.charCodeAt(i)] = i;
}

/** The 16 bytes of a UUID in canonical form at `at`: the offset after them, or -1 for any other string. */
function writeUuid(out: Buffer, at: number, value: string): number {
  if (value.length !== 36) return -1;
  for (let i = 0; i < 36; i += 2) {
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (value.charCodeAt(i) !== 45) return -1;
      i++;
    }
    const high = HEX[value.charCodeAt(i) & 127];
    const low = HEX[value.charCodeAt(i + 1) & 127];
    if (high < 0 || low < 0 || (value.charCodeAt(i) | value.charCodeAt(i + 1)) > 127) return -1;
    out[at++] = (high << 4) | low;
  }
  return at;
}

/** PostgreSQL's timestamp epoch, 2000-01-01T00:00:00Z, in JavaScript's milliseconds. */
const POSTGRES_EPOCH_MS = 946_684_800_000;
/** The years whose timestamps go binary: [1800, 2200). */
const MIN_MS = Date.UTC(1800, 0, 1);
const MAX_MS = Date.UTC(2200, 0, 1);

/**
 * Microseconds since PostgreSQL's epoch of a timestamp in `toISOString`'s
 * exact form (`2026-03-02T10:00:00.000Z`, a year from 1800 to 2199), else
 * NaN. Both calendars are proleptic Gregorian in UTC, so the instant is the
 * one `timestamptz_in` would read from the same text.
 */
function timestampMicros(value: string | number): number {
  if (typeof value !== 'string' || value.length !== 24) return NaN;
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || ms < MIN_MS || ms >= MAX_MS || new Date(ms).toISOString() !== value) return NaN;
  return (ms - POSTGRES_EPOCH_MS) * 1000;
}

