import fc from 'fast-check';
import { canonicalAuditEvent, hashAuditEvent, type AuditEvent, type UnhashedAuditEvent } from './audit-chain';
import { checkChainBatch, ChainStitcher, rowsOfBytes } from './chain-batch';
import { parseChainRow, type ChainRowText } from './chain-row';
import { CanonicalBuffers, canonicalRowBytes, RowFields, splitRow } from './chain-row-bytes';
import { BROKEN_LINK_REASONS, ChainVerifier, MAX_BROKEN_LINKS, type ChainVerification } from './chain-verifier';

const TENANT = '5ee0be4c-0000-4000-8000-00000000b47c';

/** A value as COPY's text format writes it. */
function copyField(value: string | null): string {
  if (value === null) return '\\N';
  return value.replace(/[\\\t\n\r\b\f\v]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\b': '\\b', '\f': '\\f', '\v': '\\v' })[c] as string);
}

/** An ISO time as PostgreSQL prints a UTC timestamp with `datestyle = ISO`: a space, trailing zeros of the fraction trimmed. */
function pgTimestamp(iso: string): string {
  const fraction = iso.slice(20, 23).replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction ? `.${fraction}` : ''}`;
}

/** A JSON value as PostgreSQL's jsonb prints it: object keys by length, then bytes; ", " and ": " between tokens. */
function jsonbText(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(jsonbText).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort((a, b) => Buffer.byteLength(a) - Buffer.byteLength(b) || Buffer.compare(Buffer.from(a), Buffer.from(b)));
    return `{${keys.map((key) => `${JSON.stringify(key)}: ${jsonbText((value as Record<string, unknown>)[key])}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}

/** An event as a COPY line of `CHAIN_ROW_COLUMNS`. */
function copyRow(event: AuditEvent): ChainRowText {
  return [
    String(event.id), copyField(event.tenant_id), String(event.seq), copyField(event.event_type), copyField(event.actor.type),
    copyField(event.actor.id), copyField(event.actor.email), copyField(event.resource_type), copyField(event.resource_id),
    copyField(jsonbText(event.payload)), copyField(event.ip_address), copyField(event.user_agent), copyField(event.request_id),
    pgTimestamp(event.timestamp), copyField(event.prev_hash), copyField(event.hash),
  ].join('\t') as ChainRowText;
}

type Draft = Omit<UnhashedAuditEvent, 'id' | 'seq' | 'prev_hash' | 'tenant_id'>;

/** A valid chain of these events: ids, seqs, links and hashes filled in. */
function chainOf(drafts: Draft[], firstId = 1): AuditEvent[] {
  const events: AuditEvent[] = [];
  let prevHash: string | null = null;
  drafts.forEach((draft, index) => {
    const unhashed: UnhashedAuditEvent = { ...draft, id: firstId + index * 3, seq: index + 1, tenant_id: TENANT, prev_hash: prevHash };
    const event = { ...unhashed, hash: hashAuditEvent(unhashed) };
    prevHash = event.hash;
    events.push(event);
  });
  return events;
}

const rehash = (event: AuditEvent): AuditEvent => ({ ...event, hash: hashAuditEvent(event) });

/** The reference: every event checked in turn on one thread. */
function reference(rows: ChainRowText[]): ChainVerification {
  const verifier = new ChainVerifier(TENANT);
  for (const row of rows) verifier.add(parseChainRow(row));
  return verifier.result();
}

/** The threads' way: batches of these sizes (repeated), each as the bytes COPY sends, checked alone, then stitched. */
function batched(rows: ChainRowText[], sizes: number[]): ChainVerification {
  const stitcher = new ChainStitcher(TENANT);
  for (let start = 0, turn = 0; start < rows.length; turn += 1) {
    const size = sizes[turn % sizes.length];
    const bytes = Buffer.from(rows.slice(start, start + size).map((row) => `${row}\n`).join(''));
    stitcher.add(checkChainBatch(bytes));
    start += size;
  }
  return stitcher.result();
}

const plainDraft = (index: number): Draft => ({
  event_type: index % 3 === 0 ? 'api_key.created' : 'tenant.updated',
  actor: index % 4 === 0 ? { type: 'system', id: null, email: null } : { type: 'user', id: '7d1c4a1e-35c5-4b0e-9f53-1f0c3f6c2a11', email: 'owner@acme.com' },
  resource_type: 'tenant',
  resource_id: TENANT,
  payload: { old: { contact_name: `Name ${index - 1}`, max_users: 10 }, new: { contact_name: `Name ${index}`, max_users: 10 } },
  ip_address: index % 5 === 0 ? null : '203.0.113.7',
  user_agent: 'jest',
  request_id: `req-${index}`,
  timestamp: new Date(Date.UTC(2026, 0, 1) + index * 10).toISOString(),
});

describe('checkChainBatch and ChainStitcher', () => {
  const twenty = () => chainOf(Array.from({ length: 20 }, (_, index) => plainDraft(index)));

  /** Tampers with a valid chain of 20, then expects batches of 5 to report exactly what the reference reports. */
  function sameAsReference(tamper: (events: AuditEvent[]) => AuditEvent[]): ChainVerification {
    const rows = tamper(twenty()).map(copyRow);
    const expected = reference(rows);
    expect(batched(rows, [5])).toEqual(expected);
    expect(batched(rows, [1])).toEqual(expected);
    expect(batched(rows, [3, 7, 2])).toEqual(expected);
    return expected;
  }

  it('finds an intact chain intact, whatever the batches', () => {
    const events = twenty();
    expect(sameAsReference((chain) => chain)).toEqual({ tenant_id: TENANT, chain_valid: true, verified_count: 20, total_events: 20, chain_head: events[19].hash });
  });

  it.each([
    ['in the middle of a batch', 7],
    ['first of a batch', 5],
    ['last of a batch', 4],
    ['first of the chain', 0],
    ['last of the chain', 19],
  ])('reports a tampered event %s as a hash mismatch of that event alone', (_where, index) => {
    const events = twenty();
    const result = sameAsReference((chain) => chain.map((event, at) => (at === index ? { ...event, payload: { new: { contact_name: 'Evil' } } } : event)));
    expect(result).toEqual(expect.objectContaining({ chain_valid: false, verified_count: 19, total_events: 20 }));
    expect(result.broken_links).toEqual([expect.objectContaining({ event_id: events[index].id, reason: BROKEN_LINK_REASONS.hashMismatch, stored_hash: events[index].hash })]);
  });

  it.each([
    ['a tampered hash at a batch boundary breaks the next link', (chain: AuditEvent[]) => chain.map((event, at) => (at === 9 ? { ...event, hash: 'f'.repeat(64) } : event))],
    ['an event re-hashed after a change breaks the link of the next (first of a batch)', (chain: AuditEvent[]) => chain.map((event, at) => (at === 9 ? rehash({ ...event, event_type: 'evil' }) : event))],
  ])('%s', (_name, tamper) => {
    const result = sameAsReference(tamper);
    expect(result.broken_links?.map((link) => link.reason)).toContain(BROKEN_LINK_REASONS.linkMismatch);
  });

  it.each([
    ['in the middle of a batch', 12],
    ['first of a batch', 10],
    ['last of a batch', 9],
  ])('reports an event deleted %s as a gap at the event after it', (_where, index) => {
    const events = twenty();
    const result = sameAsReference((chain) => chain.filter((_event, at) => at !== index));
    expect(result).toEqual(expect.objectContaining({ chain_valid: false, verified_count: 18, total_events: 19 }));
    expect(result.broken_links).toEqual([
      expect.objectContaining({ event_id: events[index + 1].id, reason: BROKEN_LINK_REASONS.sequenceGap, expected_seq: index + 1, seq: index + 2 }),
    ]);
  });

  it.each([
    ['inside a batch', 6],
    ['across a batch boundary', 4],
  ])('reports two events swapped %s, naively or re-hashed, as the reference does', (_where, index) => {
    const naive = sameAsReference((chain) => [...chain.slice(0, index), chain[index + 1], chain[index], ...chain.slice(index + 2)]);
    expect(naive.chain_valid).toBe(false);
    const rehashed = sameAsReference((chain) => [
      ...chain.slice(0, index),
      rehash({ ...chain[index + 1], seq: chain[index].seq }),
      rehash({ ...chain[index], seq: chain[index + 1].seq }),
      ...chain.slice(index + 2),
    ]);
    expect(rehashed.broken_links?.every((link) => link.reason === BROKEN_LINK_REASONS.linkMismatch)).toBe(true);
  });

  it('answers an empty chain and a chain of one event as the reference does', () => {
    expect(batched([], [5])).toEqual({ tenant_id: TENANT, chain_valid: true, verified_count: 0, total_events: 0, chain_head: null });
    expect(batched([], [5])).toEqual(reference([]));
    const [only] = chainOf([plainDraft(1)]);
    expect(batched([copyRow(only)], [5])).toEqual(reference([copyRow(only)]));
    expect(batched([copyRow(only)], [5])).toEqual(expect.objectContaining({ chain_valid: true, verified_count: 1, chain_head: only.hash }));
    const changed = copyRow({ ...only, request_id: 'other' });
    expect(batched([changed], [5])).toEqual(reference([changed]));
    expect(batched([changed], [5]).chain_valid).toBe(false);
  });

  it(`lists the first ${MAX_BROKEN_LINKS} broken links of a chain rewritten wholesale, as the reference does`, () => {
    const rows = chainOf(Array.from({ length: 1_200 }, (_, index) => plainDraft(index))).map((event) => copyRow({ ...event, user_agent: 'rewritten' }));
    const result = batched(rows, [100]);
    expect(result.broken_links).toHaveLength(MAX_BROKEN_LINKS);
    expect(result).toEqual(reference(rows));
  });

  it('rejects a malformed row with the error the reference throws', () => {
    const broken = 'only\ttwo' as ChainRowText;
    expect(() => reference([broken])).toThrow(/fields, expected 16/);
    expect(() => checkChainBatch(Buffer.from(`${broken}\n`))).toThrow(/fields, expected 16/);
    const [first, second] = chainOf([plainDraft(1), plainDraft(2)]).map(copyRow);
    expect(() => checkChainBatch(Buffer.from(`${first}\n${second}\n${broken}\n`))).toThrow(/fields, expected 16/);
  });

  /** The shortcut's hashed text of a row, or undefined when it leaves the row to the reference. */
  function shortcutText(row: ChainRowText): string | undefined {
    const bytes = Buffer.from(`${row}\n`);
    const fields = new RowFields();
    splitRow(bytes, 0, fields);
    const buffers = new CanonicalBuffers();
    const length = canonicalRowBytes(bytes, fields, buffers);
    return length === -1 ? undefined : buffers.out.toString('utf8', 0, length);
  }

  /** What the reference hashes for a row. */
  function referenceText(row: ChainRowText): string {
    const event = parseChainRow(row);
    return (event.prev_hash ?? '') + canonicalAuditEvent(event);
  }

  it('writes the hashed text of common rows from their bytes, byte for byte as the reference', () => {
    const payloads: unknown[] = [
      {},
      { a: [] },
      { z: 1, a: -2, m: 0, aa: [true, false, null, 'x', { y: 'é', b: '😀 \u2028 \u007f', '': {} }] },
      { '': 'empty key', ' ': 'a space', '{[': 'not a key: {a: 1}, [b]' },
      { contact_name: 'n', max_users: 10, nested: { bb: { d: 1, c: 2 }, a: [[1], [2, [3, -999999999999999]]] } },
      JSON.parse('{"__proto__": 1, "constructor": {"toJSON": "no"}}'),
      ['a top-level array', { b: 1, a: 2 }],
      'a top-level string',
      123456789012345,
    ];
    const drafts = payloads.map((payload, index) => ({ ...plainDraft(index), payload: payload as Record<string, unknown> }));
    drafts.push({ ...plainDraft(9), actor: { type: 'system', id: null, email: null }, ip_address: null, user_agent: null, request_id: null });
    drafts.push({ ...plainDraft(10), timestamp: '2026-01-01T00:00:00.000Z' }, { ...plainDraft(11), timestamp: '2026-01-01T00:00:00.100Z' });
    drafts.push({ ...plainDraft(12), timestamp: '2026-01-01T00:00:00.120Z' }, { ...plainDraft(13), timestamp: '2026-01-01T00:00:00.123Z' });
    const rows = chainOf(drafts).map(copyRow);
    for (const row of rows) expect(shortcutText(row)).toBe(referenceText(row));
  });

  it.each([
    ['a COPY escape (tab)', { user_agent: 'tab\there' }],
    ['a COPY escape (backslash)', { resource_type: 'back\\slash' }],
    ['a quote', { event_type: 'say "hi"' }],
    ['a raw control character (COPY leaves it)', { request_id: 'bell\u0007' }],
    ['the text \\N, not NULL', { ip_address: '\\N' }],
    ['a payload string with a JSON escape', { payload: { path: 'C:\\temp', quote: '"' } }],
    ['a payload string with an escaped control character', { payload: { text: 'a\u0001b' } }],
    ['a payload newline', { payload: { text: 'a\nb' } }],
    ['a fraction', { payload: { ratio: 0.5 } }],
    ['an exponent', { payload: { big: 1e21 } }],
    ['16 digits', { payload: { big: 1234567890123456 } }],
    ['a payload key beyond ASCII', { payload: { é: 1 } }],
    ['a payload key with an escape', { payload: { 'a"b': 1 } }],
    ['deep nesting', { payload: JSON.parse(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`) as Record<string, unknown> }],
  ])('leaves a row with %s to the reference, which finds it intact', (_name, change) => {
    const events = chainOf([plainDraft(0), { ...plainDraft(1), ...change }, plainDraft(2)]);
    const rows = events.map(copyRow);
    expect(shortcutText(rows[1])).toBeUndefined();
    expect(shortcutText(rows[2])).toBe(referenceText(rows[2]));
    const result = batched(rows, [3]);
    expect(result).toEqual(reference(rows));
    expect(result.chain_valid).toBe(true);
  });

  /** A changed value of a column in COPY text: NULL for a value, a value for NULL, else its first letter or digit changed. */
  function changed(field: string, mode: 'char' | 'null'): string {
    if (field === '\\N') return 'x';
    if (mode === 'null') return '\\N';
    return field.replace(/[a-z0-9]/i, (c) => (c === '9' ? '0' : c === 'z' || c === 'Z' ? 'a' : String.fromCharCode(c.charCodeAt(0) + 1)));
  }

  it.each(Array.from({ length: 16 }, (_, column) => [column]))(
    'reports a change to column %i of a row in the middle of a batch exactly as the reference does',
    (column) => {
      // Row 7 has every nullable value set; row 4 has the actor's id and email, and row 5 the IP address, NULL.
      for (const [at, mode] of [[7, 'char'], [7, 'null'], [4, 'char'], [5, 'char']] as const) {
        const rows = twenty().map(copyRow);
        const fields = rows[at].split('\t');
        const before = fields[column];
        fields[column] = changed(before, mode);
        if (fields[column] === before) continue;
        rows[at] = fields.join('\t') as ChainRowText;
        let expected: ChainVerification;
        try {
          expected = reference(rows);
        } catch (error) {
          // NULL where the column cannot be (id, seq, payload, time): the reference cannot decode the row, nor may the batch.
          expect(() => batched(rows, [10])).toThrow((error as Error).message);
          continue;
        }
        expect(expected.chain_valid).toBe(false);
        expect(batched(rows, [10])).toEqual(expected);
      }
    },
  );

  describe('on random chains with random tampering (property)', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary-ascii', maxLength: 6 }),
      fc.string({ unit: 'grapheme', maxLength: 6 }),
      fc.constantFrom('\\N', '\\', '\\\\N', 'a\tb', 'x\ny', '"q"', '', 'é😀', '\u2028'),
    );
    const nullable = fc.option(text, { nil: null });
    const draft: fc.Arbitrary<Draft> = fc.record({
      event_type: text,
      actor: fc.record({ type: fc.constantFrom('user' as const, 'api_key' as const, 'system' as const), id: nullable, email: nullable }),
      resource_type: text,
      resource_id: nullable,
      // What jsonb gives back: JSON's values only (no -0, no undefined).
      payload: fc.dictionary(text, fc.jsonValue({ maxDepth: 2 })).map((value) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>),
      ip_address: nullable,
      user_agent: nullable,
      request_id: nullable,
      timestamp: fc.date({ min: new Date('1999-12-31T23:59:59.000Z'), max: new Date('2100-01-01T00:00:00.000Z'), noInvalidDate: true }).map((date) => date.toISOString()),
    });
    /** Values the shortcut writes itself: no escapes, integers of at most 15 digits, ASCII keys; JSON's punctuation inside strings. */
    const plainText = fc.string({ unit: fc.constantFrom('a', 'Z', '0', ' ', '!', '~', '/', 'é', '😀', '\u2028', '\u007f', '{', '}', ':', ',', '[', ']'), maxLength: 8 });
    const { plainJson } = fc.letrec<{ plainJson: unknown }>((tie) => ({
      plainJson: fc.oneof(
        { depthSize: 'small' },
        fc.integer({ min: -(10 ** 15) + 1, max: 10 ** 15 - 1 }),
        fc.boolean(),
        fc.constant(null),
        plainText,
        fc.array(tie('plainJson'), { maxLength: 3 }),
        fc.dictionary(fc.string({ unit: fc.constantFrom('a', 'b', 'A', '_', '1', ' ', '{'), maxLength: 4 }), tie('plainJson'), { maxKeys: 4 }),
      ),
    }));
    const plainNullable = fc.option(plainText, { nil: null });
    const plainEvent: fc.Arbitrary<Draft> = fc.record({
      event_type: plainText,
      actor: fc.record({ type: fc.constantFrom('user' as const, 'api_key' as const, 'system' as const), id: plainNullable, email: plainNullable }),
      resource_type: plainText,
      resource_id: plainNullable,
      payload: fc.dictionary(fc.string({ unit: fc.constantFrom('a', 'b', 'c', '_'), maxLength: 5 }), plainJson, { maxKeys: 5 }),
      ip_address: plainNullable,
      user_agent: plainNullable,
      request_id: plainNullable,
      timestamp: fc.date({ min: new Date('1999-12-31T23:59:59.000Z'), max: new Date('2100-01-01T00:00:00.000Z'), noInvalidDate: true }).map((date) => date.toISOString()),
    });
    const anyDraft = fc.oneof(draft, plainEvent);
    const tampering = fc.record({
      kind: fc.constantFrom('payload', 'field', 'hash', 'delete', 'swap', 'swapRehashed', 'relink', 'seq', 'duplicate'),
      at: fc.nat(),
    });

    function tamper(events: AuditEvent[], { kind, at }: { kind: string; at: number }): AuditEvent[] {
      if (events.length === 0) return events;
      const index = at % events.length;
      const next = index + 1 < events.length ? index + 1 : index;
      const chain = [...events];
      const event = chain[index];
      switch (kind) {
        case 'payload':
          chain[index] = { ...event, payload: { ...event.payload, tampered: true } };
          break;
        case 'field':
          chain[index] = { ...event, event_type: `${event.event_type}!` };
          break;
        case 'hash':
          chain[index] = { ...event, hash: event.hash.split('').reverse().join('') };
          break;
        case 'delete':
          chain.splice(index, 1);
          break;
        case 'swap':
          [chain[index], chain[next]] = [chain[next], chain[index]];
          break;
        case 'swapRehashed':
          [chain[index], chain[next]] = [rehash({ ...chain[next], seq: event.seq }), rehash({ ...event, seq: chain[next].seq })];
          break;
        case 'relink':
          chain[index] = rehash({ ...event, prev_hash: 'a'.repeat(64) });
          break;
        case 'seq':
          chain[index] = rehash({ ...event, seq: event.seq + 5 });
          break;
        case 'duplicate':
          chain.splice(index, 0, event);
          break;
      }
      return chain;
    }

    it('writes exactly the text the reference hashes, or leaves the row to it, on random rows', () => {
      let written = 0;
      fc.assert(
        fc.property(fc.array(anyDraft, { minLength: 1, maxLength: 4 }), (drafts) => {
          for (const row of chainOf(drafts).map(copyRow)) {
            const text = shortcutText(row);
            if (text === undefined) continue;
            written += 1;
            expect(text).toBe(referenceText(row));
          }
        }),
        { numRuns: 500, seed: 20261207 },
      );
      // The shortcut is exercised, not merely left to the reference.
      expect(written).toBeGreaterThan(300);
    });

    it('stitched batches of any sizes report exactly what the reference reports', () => {
      fc.assert(
        fc.property(
          fc.array(anyDraft, { maxLength: 40 }),
          fc.array(tampering, { maxLength: 3 }),
          fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 }),
          (drafts, tamperings, sizes) => {
            const events = tamperings.reduce(tamper, chainOf(drafts));
            // Both read the bytes PostgreSQL would send, decoded as the threads decode them.
            const rows = rowsOfBytes(Buffer.from(events.map((event) => `${copyRow(event)}\n`).join('')));
            expect(batched(rows, sizes)).toEqual(reference(rows));
          },
        ),
        { numRuns: 300, seed: 20261206 },
      );
    });
  });
});
