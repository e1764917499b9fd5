import { contentEventId, signatureMatches, signBody, timestampFresh } from './inbound-signature';

describe('inbound webhook signature', () => {
  const body = Buffer.from('{"event_type":"user.created","event_id":"evt_1"}');

  it('accepts the HMAC-SHA256 of the raw body under the secret', () => {
    expect(signBody(body, 'shh')).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(signatureMatches(body, signBody(body, 'shh'), 'shh')).toBe(true);
    expect(signatureMatches(body, signBody(body, 'shh').toUpperCase().replace('SHA256', 'sha256'), 'shh')).toBe(true);
  });

  it('refuses another secret, another body, a missing or malformed header', () => {
    expect(signatureMatches(body, signBody(body, 'other'), 'shh')).toBe(false);
    expect(signatureMatches(Buffer.from(`${body.toString()} `), signBody(body, 'shh'), 'shh')).toBe(false);
    expect(signatureMatches(body, undefined, 'shh')).toBe(false);
    expect(signatureMatches(body, 'sha256=abc', 'shh')).toBe(false);
    expect(signatureMatches(body, signBody(body, 'shh').slice(7), 'shh')).toBe(false);
  });

  it('takes timestamps in seconds, milliseconds or ISO within five minutes either way', () => {
    const now = Date.parse('2026-12-06T12:00:00Z');
    expect(timestampFresh(undefined, now)).toBe(true);
    expect(timestampFresh(String(now / 1000 - 299), now)).toBe(true);
    expect(timestampFresh(String(now + 299_000), now)).toBe(true);
    expect(timestampFresh('2026-12-06T11:56:00Z', now)).toBe(true);
    expect(timestampFresh(String(now / 1000 - 301), now)).toBe(false);
    expect(timestampFresh('2026-12-06T12:06:00Z', now)).toBe(false);
    expect(timestampFresh('yesterday', now)).toBe(false);
  });

  it('derives the same id from the same service, type and body only', () => {
    const id = contentEventId('users', 'user.created', body);
    expect(contentEventId('users', 'user.created', Buffer.from(body))).toBe(id);
    expect(contentEventId('users', 'user.updated', body)).not.toBe(id);
    expect(contentEventId('billing', 'user.created', body)).not.toBe(id);
  });
});
