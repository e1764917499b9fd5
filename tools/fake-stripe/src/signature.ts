import { createHmac } from 'node:crypto';

/**
 * The `Stripe-Signature` header Stripe puts on a webhook delivery:
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.payload" keyed with the endpoint secret>`,
 * the scheme `stripe.webhooks.generateTestHeaderString` produces and `constructEvent` verifies.
 */
export function signatureHeader(payload: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  const signature = createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${signature}`;
}
