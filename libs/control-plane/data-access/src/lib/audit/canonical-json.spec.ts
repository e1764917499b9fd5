import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import { canonicalAuditEvent, hashAuditEvent, hashedMembers, type UnhashedAuditEvent } from './audit-chain';
import { canonicalJson } from './canonical-json';

/** A small seeded PRNG (mulberry32): every run draws the same cases, so a failure reproduces. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values whose JSON form has pitfalls: escapes, surrogates, UTF-16 versus code-point order. */
const HOSTILE_CHARACTERS = [
  'a', 'Z', '0', ' ', '"', '\\', '/', '\u0000', '\u0001', '\b', '\t', '\n', '\f', '\r', '\u001f', '\u007f', '\u0080',
  'é', '€', '\u2028', '\u2029', '\ufeff', '\uffff', '\ud800', '\udbff', '\udc00', '\udfff', '😀', '𝄞', '\u00e9\u0301',
];
const HOSTILE_NUMBERS = [
  0, -0, 1, -1, 0.1, 0.2 + 0.1, 1e21, 1e-7, 1e-6, 123456789.123, 4.5, 2e-3, 1e30, 1e-27, Number('333333333.33333329'), 5e-324,
  Number.MAX_VALUE, -Number.MAX_VALUE, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, Number.EPSILON, Number('9007199254740993'),
];

function generator(next: () => number) {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const text = (): string => Array.from({ length: Math.floor(next() * 6) }, () => pick(HOSTILE_CHARACTERS)).join('');
  const anyDouble = (): number => {
    const bits = new DataView(new ArrayBuffer(8));
    bits.setUint32(0, Math.floor(next() * 2 ** 32));
    bits.setUint32(4, Math.floor(next() * 2 ** 32));
    const value = bits.getFloat64(0);
    return Number.isFinite(value) ? value : 0;
  };
  const number = (): number => pick([() => pick(HOSTILE_NUMBERS), anyDouble, () => Math.floor(next() * 2_000_000) - 1_000_000])();
  const value = (depth: number): unknown => {
    const kind = Math.floor(next() * (depth > 0 ? 9 : 6));
    switch (kind) {
      case 0: return null;
      case 1: return next() < 0.5;
      case 2: return number();
      case 3: case 4: return text();
      case 5: return next() < 0.2 ? undefined : text();
      case 6: case 7: {
        const object: Record<string, unknown> = {};
        for (let index = Math.floor(next() * 6); index > 0; index -= 1) object[text()] = value(depth - 1);
        return object;
      }
      default: return Array.from({ length: Math.floor(next() * 5) }, () => value(depth - 1));
    }
  };
  return { pick, text, value };
}

describe('canonicalJson (RFC 8785)', () => {
  it('matches the canonicalize package on 5,000 random hostile values', () => {
    const { value } = generator(random(8785));
    for (let index = 0; index < 5_000; index += 1) {
      const input = value(4);
      expect(canonicalJson(input)).toBe(String(canonicalize(input)));
    }
  });

  it("prints RFC 8785's own example (section 3.2.2) byte for byte", () => {
    const input = JSON.parse(
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],' +
        '"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}',
    ) as unknown;
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('orders keys by UTF-16 code units, not by code points', () => {
    // U+1F600 is stored as the surrogates D83D DE00, which sort before U+FFFF.
    expect(canonicalJson({ '\uffff': 1, '😀': 2, a: 3, A: 4, '': 5 })).toBe('{"":5,"A":4,"a":3,"😀":2,"\uffff":1}');
  });

  it('prints numbers as ECMAScript does and refuses what JSON cannot hold', () => {
    expect(canonicalJson([-0, 1e21, 1e-7, 100, 0.000001])).toBe('[0,1e+21,1e-7,100,0.000001]');
    expect(() => canonicalJson({ a: NaN })).toThrow('NaN is not allowed');
    expect(() => canonicalJson([Infinity])).toThrow('Infinity is not allowed');
  });

  it('leaves out undefined members, nulls undefined items and honours toJSON', () => {
    const when = new Date('2026-01-02T03:04:05.678Z');
    const input = { b: undefined, a: [undefined, when], c: { toJSON: () => ({ z: 1, y: 2 }) } };
    expect(canonicalJson(input)).toBe('{"a":[null,"2026-01-02T03:04:05.678Z"],"c":{"y":2,"z":1}}');
    expect(canonicalJson(input)).toBe(canonicalize(input));
  });
});

describe('canonicalAuditEvent', () => {
  /** The hashing before the fast path: `canonicalize` on an object listing every field. */
  const referenceCanonical = (event: UnhashedAuditEvent) => canonicalize(hashedMembers(event));

  it('matches the reference and its hash on 2,000 random events, nullable fields null, undefined or set', () => {
    const next = random(2026);
    const { pick, text, value } = generator(next);
    // Untyped callers may leave a member undefined: the reference then omits it.
    const maybe = <T>(make: () => T): T | null => (next() < 0.3 ? null : next() < 0.05 ? (undefined as unknown as null) : make());
    for (let index = 0; index < 2_000; index += 1) {
      const payload = value(4);
      const event: UnhashedAuditEvent = {
        id: Math.floor(next() * 1e12),
        tenant_id: maybe(text),
        seq: Math.floor(next() * 1e9) + 1,
        event_type: text(),
        actor: { type: pick(['user', 'api_key', 'system'] as const), id: maybe(text), email: maybe(text) },
        resource_type: text(),
        resource_id: maybe(text),
        payload: payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Record<string, unknown>) : { value: payload },
        ip_address: maybe(text),
        user_agent: maybe(text),
        request_id: maybe(text),
        timestamp: new Date(Math.floor(next() * 4e12)).toISOString(),
        prev_hash: maybe(() => createHash('sha256').update(text()).digest('hex')),
      };
      const reference = String(referenceCanonical(event));
      expect(canonicalAuditEvent(event)).toBe(reference);
      expect(hashAuditEvent(event)).toBe(createHash('sha256').update(event.prev_hash ?? '').update(reference).digest('hex'));
    }
  });

  it('covers every field, each one changing the hash', () => {
    const event: UnhashedAuditEvent = {
      id: 7, tenant_id: 't', seq: 3, event_type: 'tenant.updated', actor: { type: 'user', id: 'u', email: 'e@x' },
      resource_type: 'tenant', resource_id: 'r', payload: { new: { a: 1 } }, ip_address: '203.0.113.7', user_agent: 'ua',
      request_id: 'q', timestamp: '2026-01-01T00:00:00.000Z', prev_hash: 'p',
    };
    const changes: Array<Partial<UnhashedAuditEvent>> = [
      { id: 8 }, { tenant_id: null }, { seq: 4 }, { event_type: 'x' }, { actor: { ...event.actor, type: 'system' } },
      { actor: { ...event.actor, id: null } }, { actor: { ...event.actor, email: null } }, { resource_type: 'x' },
      { resource_id: null }, { payload: { new: { a: 2 } } }, { ip_address: null }, { user_agent: null }, { request_id: null },
      { timestamp: '2026-01-01T00:00:00.001Z' }, { prev_hash: null },
    ];
    const hashes = new Set([hashAuditEvent(event), ...changes.map((change) => hashAuditEvent({ ...event, ...change }))]);
    expect(hashes.size).toBe(changes.length + 1);
    for (const change of changes) expect(canonicalAuditEvent({ ...event, ...change })).toBe(referenceCanonical({ ...event, ...change }));
  });
});
