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

/** PostgreSQL's timestamp epoch, 2000-01-01, in days from 1970-01-01. */
const POSTGRES_EPOCH_DAYS = 10_957;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Microseconds since PostgreSQL's epoch of a timestamp in `toISOString`'s
 * exact form (`9999-99-99T99:99:99.999Z`, 9 any digit) within the years
 * above, else NaN.
 */
function timestampMicros(value: string | number): number {
  if (typeof value !== 'string' || value.length !== 24) return NaN;
  const c = (i: number) => value.charCodeAt(i);
  if (c(4) !== 45 || c(7) !== 45 || c(10) !== 84 || c(13) !== 58 || c(16) !== 58 || c(19) !== 46 || c(23) !== 90) return NaN;
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 2);
  const day = digits(value, 8, 2);
  const hour = digits(value, 11, 2);
  const minute = digits(value, 14, 2);
  const second = digits(value, 17, 2);
  const millis = digits(value, 20, 3);
  // digits() is negative for anything but digits, which every check below then refuses.
  if (year < 1800 || year > 2199 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || millis < 0) return NaN;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > DAYS_IN_MONTH[month - 1] + (leap ? 1 : 0)) return NaN;
  const days = daysFromCivil(year, month, day) - POSTGRES_EPOCH_DAYS;
  return (((days * 24 + hour) * 60 + minute) * 60 + second) * 1_000_000 + millis * 1000;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's `days_from_civil`, for years from 1 on). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear - 719_468;
}

/** The number written by `length` ASCII digits at `start`, or -1 when one of them is not a digit. */
function digits(value: string, start: number, length: number): number {
  let n = 0;
  for (let i = start; i < start + length; i++) {
    const digit = value.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    n = n * 10 + digit;
  }
  return n;
}
