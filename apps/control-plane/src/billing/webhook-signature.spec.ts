import Stripe from 'stripe';
import { SIGNATURE_TOLERANCE_SECONDS, verifyStripeEvent } from './webhook-signature';

const SECRET = 'whsec_unit_test';
const NOW = 1_800_000_000;
const payload = JSON.stringify({ id: 'evt_1', object: 'event', type: 'invoice.payment_succeeded', created: NOW, data: { object: {} } });
const sign = (timestamp: number, body = payload, secret = SECRET) => Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp });

describe('verifyStripeEvent', () => {
  it('accepts a delivery signed now, and at either edge of the tolerance', () => {
    for (const offset of [0, -SIGNATURE_TOLERANCE_SECONDS, SIGNATURE_TOLERANCE_SECONDS]) {
      expect(verifyStripeEvent(Buffer.from(payload), sign(NOW + offset), SECRET, NOW)?.id).toBe('evt_1');
    }
  });

  it('refuses a stale timestamp, one too far in the future, another secret, an altered body and a missing or malformed header', () => {
    expect(verifyStripeEvent(Buffer.from(payload), sign(NOW - SIGNATURE_TOLERANCE_SECONDS - 1), SECRET, NOW)).toBeNull();
    expect(verifyStripeEvent(Buffer.from(payload), sign(NOW + SIGNATURE_TOLERANCE_SECONDS + 1), SECRET, NOW)).toBeNull();
    expect(verifyStripeEvent(Buffer.from(payload), sign(NOW, payload, 'whsec_other'), SECRET, NOW)).toBeNull();
    expect(verifyStripeEvent(Buffer.from(payload.replace('evt_1', 'evt_2')), sign(NOW), SECRET, NOW)).toBeNull();
    expect(verifyStripeEvent(Buffer.from(payload), undefined, SECRET, NOW)).toBeNull();
    expect(verifyStripeEvent(Buffer.from(payload), 'v1=abc', SECRET, NOW)).toBeNull();
    expect(verifyStripeEvent(Buffer.from(payload), `t=${NOW},t=${NOW},${sign(NOW).split(',')[1]}`, SECRET, NOW)).toBeNull();
  });
});
