/**
 * The hashed text of an event (`prev_hash + canonicalAuditEvent(event)`, see
 * audit-chain.ts) written straight from the bytes of its COPY row, without
 * decoding the row into strings, parsing the payload into objects and printing
 * them again: what `checkChainBatch` hashes for all but unusual rows.
 *
 * It is an exact shortcut or none: `canonicalRowBytes` writes the UTF-8 bytes
 * of exactly the text that `parseChainRow` then `canonicalAuditEvent` would
 * produce, or answers -1 and the caller takes that reference path for the
 * row. It answers -1 for anything beyond the common case, where the two could
 * differ: a value with a COPY escape (a backslash) or a character that JSON
 * escapes (quote, control character), a number beyond 15 digits or with a
 * fraction or exponent, a payload key beyond ASCII or repeated, nesting
 * deeper than 32. The batch must be valid UTF-8 (`isUtf8`; PostgreSQL sends
 * nothing else to node-postgres, whose client encoding is UTF8), as
 * `parseChainRow`'s decoding would otherwise replace bytes. The specs hold it
 * to the reference on hostile and random rows (chain-batch.spec.ts) and on
 * PostgreSQL's own output (audit.repository.spec.ts).
 */

/** The 16 columns of `CHAIN_ROW_COLUMNS`, by position. */
const ID = 0;
const TENANT_ID = 1;
const SEQ = 2;
const EVENT_TYPE = 3;
const ACTOR_TYPE = 4;
const ACTOR_ID = 5;
const ACTOR_EMAIL = 6;
const RESOURCE_TYPE = 7;
const RESOURCE_ID = 8;
const PAYLOAD = 9;
const IP_ADDRESS = 10;
const USER_AGENT = 11;
const REQUEST_ID = 12;
const OCCURRED_AT = 13;
const PREV_HASH = 14;
export const HASH = 15;
export const FIELD_COUNT = 16;

const TAB = 0x09;
const NEWLINE = 0x0a;
const SPACE = 0x20;
const QUOTE = 0x22;
const COMMA = 0x2c;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const BACKSLASH = 0x5c;
const LEFT_BRACKET = 0x5b;
const RIGHT_BRACKET = 0x5d;
const LEFT_BRACE = 0x7b;
const RIGHT_BRACE = 0x7d;
const FAIL = -1;

/**
 * Where each field of a row is: `bounds[2i]` to `bounds[2i + 1]` (exclusive);
 * `plain` has bit i set when field i holds none of backslash, quote and
 * control characters, so that its bytes are its value and its JSON string's
 * content alike.
 */
export class RowFields {
  readonly bounds = new Int32Array(2 * FIELD_COUNT);
  plain = 0;
  count = 0;

  start(field: number): number {
    return this.bounds[2 * field];
  }

  end(field: number): number {
    return this.bounds[2 * field + 1];
  }
}

/**
 * Splits the row that starts at `start` into `fields` (at most 16; `count`
 * says how many there were) and answers the offset of its newline (the
 * buffer's length if it has none).
 */
export function splitRow(row: Uint8Array, start: number, fields: RowFields): number {
  const { bounds } = fields;
  let field = 0;
  let plain = 0;
  let fieldStart = start;
  let clean = true;
  let at = start;
  for (; at < row.length; at += 1) {
    const byte = row[at];
    if (byte > QUOTE && byte !== BACKSLASH) continue;
    if (byte === TAB || byte === NEWLINE) {
      if (field < FIELD_COUNT) {
        bounds[2 * field] = fieldStart;
        bounds[2 * field + 1] = at;
        if (clean) plain |= 1 << field;
      }
      field += 1;
      fieldStart = at + 1;
      clean = true;
      if (byte === NEWLINE) break;
    } else if (byte !== SPACE && byte !== 0x21) {
      clean = false;
    }
  }
  if (at === row.length) {
    // No newline: the last field ends with the buffer.
    if (field < FIELD_COUNT) {
      bounds[2 * field] = fieldStart;
      bounds[2 * field + 1] = at;
      if (clean) plain |= 1 << field;
    }
    field += 1;
  }
  fields.plain = plain;
  fields.count = field;
  return at;
}

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (character) => character.charCodeAt(0));

/** How a value is written: a text column (NULL or not), a bigint, the time, the payload. */
const NULLABLE = 0;
const TEXT = 1;
const INTEGER = 2;
const TIME = 3;
const JSON_VALUE = 4;

/**
 * The canonical event (see `canonicalAuditEvent`), member by member in its
 * order: the text before each value, the column the value comes from, and how
 * it is written. The text after the last value is the closing brace.
 */
const MEMBERS: ReadonlyArray<readonly [text: string, field: number, kind: number]> = [
  ['{"actor":{"email":', ACTOR_EMAIL, NULLABLE],
  [',"id":', ACTOR_ID, NULLABLE],
  [',"type":', ACTOR_TYPE, TEXT],
  ['},"event_type":', EVENT_TYPE, TEXT],
  [',"id":', ID, INTEGER],
  [',"ip_address":', IP_ADDRESS, NULLABLE],
  [',"payload":', PAYLOAD, JSON_VALUE],
  [',"prev_hash":', PREV_HASH, NULLABLE],
  [',"request_id":', REQUEST_ID, NULLABLE],
  [',"resource_id":', RESOURCE_ID, NULLABLE],
  [',"resource_type":', RESOURCE_TYPE, TEXT],
  [',"seq":', SEQ, INTEGER],
  [',"tenant_id":', TENANT_ID, NULLABLE],
  [',"timestamp":', OCCURRED_AT, TIME],
  [',"user_agent":', USER_AGENT, NULLABLE],
];
/** The members' texts one after the other, then the closing brace; `TEXT_ENDS[m]` is where member m's text ends. */
const TEMPLATE = ascii(`${MEMBERS.map(([text]) => text).join('')}}`);
const TEXT_ENDS = Int32Array.from(MEMBERS, (_member, index) => MEMBERS.slice(0, index + 1).reduce((length, [text]) => length + text.length, 0));
const MEMBER_FIELDS = Int32Array.from(MEMBERS, ([, field]) => field);
const MEMBER_KINDS = Int32Array.from(MEMBERS, ([, , kind]) => kind);
const NULL = ascii('null');
const TRUE = ascii('true');
const FALSE = ascii('false');

/** Buffers an event's hashed text is written into, reused from row to row. */
export class CanonicalBuffers {
  out = Buffer.allocUnsafe(16 * 1024);
  /** Where an object's members are copied before being written back in key order. */
  scratch = Buffer.allocUnsafe(16 * 1024);
  /**
   * Members of the objects being written, a stack of four numbers each: key
   * start and end in the row, member start and end in `out`; `top` is its
   * length. An object's members sit above its parent's until it is done.
   */
  members = new Int32Array(4 * 64);
  top = 0;
  /** `canonicalPayload`'s open arrays and objects. */
  readonly levels = new Int32Array(LEVEL * MAX_DEPTH);

  pushMember(keyStart: number, keyEnd: number, start: number, end: number): void {
    if (this.top + 4 > this.members.length) {
      const grown = new Int32Array(this.members.length * 2);
      grown.set(this.members);
      this.members = grown;
    }
    const { members, top } = this;
    members[top] = keyStart;
    members[top + 1] = keyEnd;
    members[top + 2] = start;
    members[top + 3] = end;
    this.top = top + 4;
  }

  /** Room for a row of this length: its hashed text is at most twice as long, plus the constant parts. */
  reserve(rowLength: number): void {
    const needed = 2 * rowLength + 1024;
    if (this.out.length < needed) {
      this.out = Buffer.allocUnsafe(needed);
      this.scratch = Buffer.allocUnsafe(needed);
    }
  }
}

/**
 * Writes into `buffers.out` the UTF-8 bytes of the text `hashAuditEvent`
 * hashes for the row split into `fields`, and answers their length; -1 when
 * the row is beyond this shortcut (see the top of this file).
 */
export function canonicalRowBytes(row: Uint8Array, fields: RowFields, buffers: CanonicalBuffers): number {
  if (fields.count !== FIELD_COUNT) return FAIL;
  const { bounds, plain } = fields;
  buffers.reserve(bounds[2 * HASH + 1] - bounds[2 * ID]);
  const { out } = buffers;
  let o = 0;
  // The hash covers prev_hash (nothing when null) followed by the canonical JSON.
  if (!isNull(row, fields, PREV_HASH)) {
    if (!isPlain(fields, PREV_HASH)) return FAIL;
    o = copy(row, bounds[2 * PREV_HASH], bounds[2 * PREV_HASH + 1], out, o);
  }
  let textStart = 0;
  for (let member = 0; member < MEMBERS.length; member += 1) {
    const textEnd = TEXT_ENDS[member];
    for (let at = textStart; at < textEnd; at += 1) out[o++] = TEMPLATE[at];
    textStart = textEnd;
    const field = MEMBER_FIELDS[member];
    const start = bounds[2 * field];
    const end = bounds[2 * field + 1];
    const kind = MEMBER_KINDS[member];
    if (kind === NULLABLE && end - start === 2 && row[start] === BACKSLASH && row[start + 1] === 0x4e) {
      o = put(NULL, out, o);
    } else if (kind === NULLABLE || kind === TEXT) {
      // Quoted as it is, when it needs neither COPY's unescaping nor JSON's escaping.
      if ((plain & (1 << field)) === 0) return FAIL;
      out[o++] = QUOTE;
      for (let at = start; at < end; at += 1) out[o++] = row[at];
      out[o++] = QUOTE;
    } else if (kind === INTEGER) {
      o = integer(row, start, end, out, o);
    } else if (kind === TIME) {
      o = timestamp(row, fields, out, o);
    } else {
      o = canonicalPayload(row, start, end, buffers, o);
    }
    if (o === FAIL) return FAIL;
  }
  for (let at = textStart; at < TEMPLATE.length; at += 1) out[o++] = TEMPLATE[at];
  return o;
}

/** The row's seq (`Number` of its text), for a row `canonicalRowBytes` wrote: an integer of at most 15 digits, checked there. */
export function rowSeq(row: Uint8Array, fields: RowFields): number {
  let at = fields.start(SEQ);
  const negative = row[at] === MINUS;
  if (negative) at += 1;
  let value = 0;
  for (; at < fields.end(SEQ); at += 1) value = value * 10 + row[at] - ZERO;
  return negative ? -value : value;
}

/** Whether the row's prev_hash holds exactly the bytes of `row[start, end)` (the stored hash of the row before). */
export function prevHashIs(row: Uint8Array, fields: RowFields, start: number, end: number): boolean {
  return bytesEqual(row, fields.start(PREV_HASH), fields.end(PREV_HASH), row, start, end);
}

/** Whether the row's prev_hash is `text` (the stored hash of the row before), when both are ASCII; false otherwise (the caller then asks the reference). */
export function prevHashIsText(row: Uint8Array, fields: RowFields, text: string | null): boolean {
  return text !== null && isPlain(fields, PREV_HASH) && asciiEquals(row, fields.start(PREV_HASH), fields.end(PREV_HASH), text);
}

/** Whether `text` (a hex digest) is exactly the row's stored hash. */
export function storedHashIs(row: Uint8Array, fields: RowFields, text: string): boolean {
  return asciiEquals(row, fields.start(HASH), fields.end(HASH), text);
}

/** Whether `row[start, end)` holds the characters of `text`, all of them ASCII. */
function asciiEquals(row: Uint8Array, start: number, end: number, text: string): boolean {
  if (end - start !== text.length) return false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code >= 0x80 || row[start + index] !== code) return false;
  }
  return true;
}

function bytesEqual(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): boolean {
  if (aEnd - aStart !== bEnd - bStart) return false;
  for (let index = 0; index < aEnd - aStart; index += 1) if (a[aStart + index] !== b[bStart + index]) return false;
  return true;
}

function isPlain(fields: RowFields, field: number): boolean {
  return (fields.plain & (1 << field)) !== 0;
}

/** COPY's NULL: `\N`, the whole field. */
function isNull(row: Uint8Array, fields: RowFields, field: number): boolean {
  const start = fields.start(field);
  return fields.end(field) - start === 2 && row[start] === BACKSLASH && row[start + 1] === 0x4e;
}

function put(bytes: Uint8Array, out: Buffer, o: number): number {
  for (let index = 0; index < bytes.length; index += 1) out[o + index] = bytes[index];
  return o + bytes.length;
}

function copy(row: Uint8Array, start: number, end: number, out: Buffer, o: number): number {
  for (let at = start; at < end; at += 1) out[o++] = row[at];
  return o;
}

/**
 * An integer as `String(Number(text))` prints it: the digits themselves, for
 * at most 15 of them (a safe integer) without a leading zero, or 0, with an
 * optional minus (not before 0, which prints as 0). Anything else: -1.
 */
function integer(row: Uint8Array, start: number, end: number, out: Buffer, o: number): number {
  let at = start;
  if (at < end && row[at] === MINUS) at += 1;
  const digits = end - at;
  if (digits < 1 || digits > 15) return FAIL;
  if (row[at] === ZERO && (digits > 1 || at > start)) return FAIL;
  for (; at < end; at += 1) if (row[at] < ZERO || row[at] > NINE) return FAIL;
  return copy(row, start, end, out, o);
}

/**
 * `isoTimestamp`'s common case on bytes: `2026-01-01 00:00:00[.f]` with one
 * to three digits of fraction (or none) becomes `"2026-01-01T00:00:00.fffZ"`.
 */
function timestamp(row: Uint8Array, fields: RowFields, out: Buffer, o: number): number {
  const start = fields.start(OCCURRED_AT);
  const length = fields.end(OCCURRED_AT) - start;
  if (!isPlain(fields, OCCURRED_AT) || (length !== 19 && length !== 21 && length !== 22 && length !== 23)) return FAIL;
  const separator = row[start + 10];
  if (row[start + 4] !== MINUS || (separator !== SPACE && separator !== 0x54)) return FAIL;
  for (let at = start; at < start + length; at += 1) if (row[at] >= 0x80) return FAIL;
  out[o++] = QUOTE;
  o = copy(row, start, start + 10, out, o);
  out[o++] = 0x54; // T
  o = copy(row, start + 11, start + 19, out, o);
  if (length === 19) out[o++] = 0x2e; // .
  else o = copy(row, start + 19, start + length, out, o);
  for (let digits = Math.max(0, length - 20); digits < 3; digits += 1) out[o++] = ZERO;
  out[o++] = 0x5a; // Z
  out[o++] = QUOTE;
  return o;
}

/** Nesting of arrays and objects the shortcut follows; deeper payloads take the reference path. */
const MAX_DEPTH = 32;

/** Per open array or object in `canonicalPayload`: its bracket, where its text starts in `out`, its first member on the member stack, and its current member's key start and end and text start. */
const LEVEL = 6;

/**
 * `canonicalJson(JSON.parse(text))` for the JSON text in `text[start, end)`
 * (PostgreSQL's jsonb output: `{"a": 1, "b": [true, null]}`), written into
 * `buffers.out` at `o`: spaces between tokens dropped, each object's members
 * ordered by key, the rest copied. -1 for what the shortcut leaves to the
 * reference (see the top of this file). One loop with its own stack of open
 * arrays and objects, so that the reading position stays in a local.
 */
export function canonicalPayload(text: Uint8Array, start: number, end: number, buffers: CanonicalBuffers, o: number): number {
  const { out, levels } = buffers;
  const stackBase = buffers.top;
  let at = start;
  let depth = 0;
  for (;;) {
    // A value starts here.
    while (at < end && text[at] === SPACE) at += 1;
    if (at >= end) return failPayload(buffers, stackBase);
    const first = text[at];
    if (first === LEFT_BRACE || first === LEFT_BRACKET) {
      if (depth === MAX_DEPTH) return failPayload(buffers, stackBase);
      out[o++] = first;
      at += 1;
      const level = depth * LEVEL;
      depth += 1;
      levels[level] = first;
      levels[level + 1] = o;
      levels[level + 2] = buffers.top;
      while (at < end && text[at] === SPACE) at += 1;
      const close = first === LEFT_BRACE ? RIGHT_BRACE : RIGHT_BRACKET;
      if (at < end && text[at] === close) {
        // Empty: closed below, as after a value, with no member to record.
        at += 1;
        out[o++] = close;
        depth -= 1;
      } else {
        if (first === LEFT_BRACE) {
          o = memberKey(text, at, end, out, o, levels, level);
          if (o === FAIL) return failPayload(buffers, stackBase);
          at = levels[level + 4] + 1;
          while (at < end && text[at] === SPACE) at += 1;
          if (at >= end || text[at] !== COLON) return failPayload(buffers, stackBase);
          at += 1;
          out[o++] = COLON;
        }
        continue;
      }
    } else if (first === QUOTE) {
      out[o++] = QUOTE;
      for (at += 1; ; at += 1) {
        if (at >= end) return failPayload(buffers, stackBase);
        const byte = text[at];
        if (byte === QUOTE) break;
        if (byte < SPACE || byte === BACKSLASH) return failPayload(buffers, stackBase);
        out[o++] = byte;
      }
      at += 1;
      out[o++] = QUOTE;
    } else if (first === 0x74 || first === 0x66 || first === 0x6e) {
      const literal = first === 0x74 ? TRUE : first === 0x66 ? FALSE : NULL;
      if (at + literal.length > end) return failPayload(buffers, stackBase);
      for (let index = 0; index < literal.length; index += 1) {
        if (text[at + index] !== literal[index]) return failPayload(buffers, stackBase);
        out[o++] = literal[index];
      }
      at += literal.length;
    } else {
      const numberStart = at;
      while (at < end && (text[at] === MINUS || (text[at] >= ZERO && text[at] <= NINE))) at += 1;
      // A fraction or exponent follows: not an integer this shortcut prints.
      if (at < end && (text[at] === 0x2e || text[at] === 0x65 || text[at] === 0x45)) return failPayload(buffers, stackBase);
      o = integer(text, numberStart, at, out, o);
      if (o === FAIL) return failPayload(buffers, stackBase);
    }
    // A value ended: close what it ends, until a comma asks for the next value.
    for (;;) {
      if (depth === 0) {
        while (at < end && text[at] === SPACE) at += 1;
        return at === end ? o : failPayload(buffers, stackBase);
      }
      const level = (depth - 1) * LEVEL;
      const object = levels[level] === LEFT_BRACE;
      if (object) buffers.pushMember(levels[level + 3], levels[level + 4], levels[level + 5], o);
      while (at < end && text[at] === SPACE) at += 1;
      if (at >= end) return failPayload(buffers, stackBase);
      const byte = text[at++];
      if (byte === COMMA) {
        out[o++] = COMMA;
        if (object) {
          while (at < end && text[at] === SPACE) at += 1;
          o = memberKey(text, at, end, out, o, levels, level);
          if (o === FAIL) return failPayload(buffers, stackBase);
          at = levels[level + 4] + 1;
          while (at < end && text[at] === SPACE) at += 1;
          if (at >= end || text[at] !== COLON) return failPayload(buffers, stackBase);
          at += 1;
          out[o++] = COLON;
        }
        break;
      }
      if (byte !== (object ? RIGHT_BRACE : RIGHT_BRACKET)) return failPayload(buffers, stackBase);
      out[o++] = byte;
      if (object && !orderMembers(text, buffers, levels[level + 2], levels[level + 1])) return failPayload(buffers, stackBase);
      buffers.top = levels[level + 2];
      depth -= 1;
    }
  }
}

/**
 * Copies the key that starts at `at` (its opening quote) with its quotes and
 * records it as the level's current member (key start and end, text start);
 * -1 unless it is a string of ASCII without escapes, so that byte order is
 * UTF-16 order.
 */
function memberKey(text: Uint8Array, at: number, end: number, out: Buffer, o: number, levels: Int32Array, level: number): number {
  if (at >= end || text[at] !== QUOTE) return FAIL;
  levels[level + 5] = o;
  out[o++] = QUOTE;
  levels[level + 3] = at + 1;
  for (at += 1; at < end; at += 1) {
    const byte = text[at];
    if (byte === QUOTE) {
      levels[level + 4] = at;
      out[o++] = QUOTE;
      return o;
    }
    if (byte < SPACE || byte === BACKSLASH || byte >= 0x80) return FAIL;
    out[o++] = byte;
  }
  return FAIL;
}

function failPayload(buffers: CanonicalBuffers, stackBase: number): number {
  buffers.top = stackBase;
  return FAIL;
}

/** Byte order of a member's key against the key `text[keyStart, keyEnd)` (ASCII: the UTF-16 order RFC 8785 sorts by). */
function compareKey(text: Uint8Array, members: Int32Array, member: number, keyStart: number, keyEnd: number): number {
  const aStart = members[member];
  const aLength = members[member + 1] - aStart;
  const bLength = keyEnd - keyStart;
  const length = Math.min(aLength, bLength);
  for (let index = 0; index < length; index += 1) {
    const difference = text[aStart + index] - text[keyStart + index];
    if (difference !== 0) return difference;
  }
  return aLength - bLength;
}

/**
 * Puts the members of the object just written (from `base` on the member
 * stack; its text from `first`, after its brace) in key order, as RFC 8785
 * wants (PostgreSQL's jsonb orders them by length first): the member records
 * are insertion-sorted in place, then the members' text is copied aside and
 * back in that order. False for a repeated key, which `JSON.parse` would fold
 * into one (the reference path does).
 */
function orderMembers(text: Uint8Array, buffers: CanonicalBuffers, base: number, first: number): boolean {
  const { members, top } = buffers;
  let sorted = true;
  for (let member = base + 4; member < top; member += 4) {
    const order = compareKey(text, members, member - 4, members[member], members[member + 1]);
    if (order === 0) return false;
    if (order > 0) sorted = false;
  }
  if (sorted) return true;
  const last = members[top - 1];
  for (let member = base + 4; member < top; member += 4) {
    const keyStart = members[member];
    const keyEnd = members[member + 1];
    const start = members[member + 2];
    const end = members[member + 3];
    let slot = member;
    while (slot > base && compareKey(text, members, slot - 4, keyStart, keyEnd) > 0) {
      members[slot] = members[slot - 4];
      members[slot + 1] = members[slot - 3];
      members[slot + 2] = members[slot - 2];
      members[slot + 3] = members[slot - 1];
      slot -= 4;
    }
    members[slot] = keyStart;
    members[slot + 1] = keyEnd;
    members[slot + 2] = start;
    members[slot + 3] = end;
  }
  for (let member = base + 4; member < top; member += 4) {
    if (compareKey(text, members, member - 4, members[member], members[member + 1]) === 0) return false;
  }
  const { out, scratch } = buffers;
  for (let at = first; at < last; at += 1) scratch[at] = out[at];
  let o = first;
  for (let member = base; member < top; member += 4) {
    if (member > base) out[o++] = COMMA;
    o = copy(scratch, members[member + 2], members[member + 3], out, o);
  }
  return true;
}
