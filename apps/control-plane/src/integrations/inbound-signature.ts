import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** How far an `X-Webhook-Timestamp` may be from now, either way. */
export const TIMESTAMP_TOLERANCE_MS = 5 * 60 * 1000;

/** `sha256=<hex HMAC-SHA256 of the raw body>`, what a sender puts in `X-Signature`. */
export function signBody(raw: Buffer | string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
}

/** Whether `header` is the body's signature under `secret`, compared in constant time. */
export function signatureMatches(raw: Buffer, header: string | undefined, secret: string): boolean {
  if (!header) return false;
  const expected = Buffer.from(signBody(raw, secret));
  const given = Buffer.from(header.trim().toLowerCase());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Whether an `X-Webhook-Timestamp` (epoch seconds, or milliseconds, or an ISO
 * date) lies within the tolerance of `now`. Absent is fine: the header is optional.
 */
export function timestampFresh(header: string | undefined, now = Date.now()): boolean {
  if (header === undefined) return true;
  const text = header.trim();
  let ms: number;
  if (/^\d{1,10}$/.test(text)) ms = Number(text) * 1000;
  else if (/^\d{11,13}$/.test(text)) ms = Number(text);
  else ms = /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : NaN;
  return Number.isFinite(ms) && Math.abs(now - ms) <= TIMESTAMP_TOLERANCE_MS;
}

/** The idempotency key of an event whose body carries no id: the same service, type and bytes are the same event. */
export function contentEventId(service: string, eventType: string, raw: Buffer): string {
  return `sha256:${createHash('sha256').update(service).update('\0').update(eventType).update('\0').update(raw).digest('hex')}`;
}
