import { SluiceException } from '@sluice/platform';
import Stripe from 'stripe';
import type { BillingSettings } from '../config/control-plane.config';

/** The `stripe` library's client, or null when STRIPE_SECRET_KEY is unset. */
export const STRIPE = Symbol('STRIPE');

export function createStripeClient(settings: BillingSettings): Stripe | null {
  if (!settings.stripeSecretKey) return null;
  return new Stripe(settings.stripeSecretKey, {
    ...settings.stripeApi,
    // POSTs carry an idempotency key of the library's (or ours), so a retried call never acts twice.
    maxNetworkRetries: 2,
    timeout: 15_000,
    appInfo: { name: 'sluice' },
  });
}

export function billingNotConfigured(what: string): SluiceException {
  return new SluiceException('billing_not_configured', `Billing is not configured on this platform: ${what} is not set`);
}

/** A failed Stripe call, without anything of the request that could carry a secret. */
export function paymentProviderError(error: unknown): SluiceException {
  if (error instanceof Stripe.errors.StripeError) {
    return new SluiceException('payment_provider_error', `Stripe refused or failed the request: ${error.message}`, {
      stripe_type: error.type,
      stripe_code: error.code ?? null,
      status: error.statusCode ?? null,
    });
  }
  return new SluiceException('payment_provider_error', 'Stripe could not be reached');
}
