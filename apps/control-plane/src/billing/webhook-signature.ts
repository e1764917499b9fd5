import Stripe from 'stripe';

/** Stripe's own default: a delivery signed more than five minutes away from now is refused. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * Verifies a delivery with the library's `constructEvent` and returns the
 * event, or null when the signature is missing, forged, stale or for another
 * body. `constructEvent` only refuses old timestamps; one further in the
 * future than the tolerance is refused here too, so a leaked signature
 * cannot be made to last.
 */
export function verifyStripeEvent(raw: Buffer, header: string | undefined, secret: string, nowSeconds = Math.floor(Date.now() / 1000)): Stripe.Event | null {
  if (!header) return null;
  const timestamps = header
    .split(',')
    .filter((part) => part.startsWith('t='))
    .map((part) => Number(part.slice(2)));
  if (timestamps.length !== 1 || !Number.isSafeInteger(timestamps[0]) || timestamps[0] - nowSeconds > SIGNATURE_TOLERANCE_SECONDS) return null;
  try {
    return Stripe.webhooks.constructEvent(raw, header, secret, SIGNATURE_TOLERANCE_SECONDS, undefined, nowSeconds * 1000);
  } catch {
    return null;
  }
}
