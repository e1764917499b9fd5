import { closer, listen, urlHost } from '@sluice/fake-server';
import { createFakeStripeServer, FakeStripeState, type Delivery, type Fault, type RecordedCall, type SendOptions } from './server';

export { FakeStripeState, type Delivery, type Fault, type RecordedCall, type SendOptions, type StripeEvent } from './server';
export { parseForm } from './form';
export { signatureHeader } from './signature';
export type { CheckoutSession, Customer, InvoiceItem, PortalSession } from './objects';

export interface FakeStripeOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  webhookUrl?: string | null;
  webhookSecret?: string | null;
}

export interface FakeStripe {
  /** Base URL without a path: what `STRIPE_API_BASE` points at. */
  url: string;
  port: number;
  readonly state: FakeStripeState;
  /** API calls received, oldest first. */
  readonly calls: readonly RecordedCall[];
  setWebhook(url: string, secret: string): void;
  injectFault(fault: Fault): void;
  pay(checkoutSessionId: string, options?: SendOptions): Promise<Delivery>;
  sendEvent(type: string, object: Record<string, unknown>, options?: SendOptions): Promise<Delivery>;
  close(): Promise<void>;
}

export async function startFakeStripe(options: FakeStripeOptions = {}): Promise<FakeStripe> {
  const host = options.host ?? '127.0.0.1';
  const state = new FakeStripeState(options.webhookUrl ?? null, options.webhookSecret ?? null);
  const server = createFakeStripeServer(state);
  const port = await listen(server, options.port ?? 0, host);
  state.baseUrl = `http://${urlHost(host)}:${port}`;
  return {
    url: state.baseUrl,
    port,
    state,
    calls: state.calls,
    setWebhook(url, secret) {
      state.webhookUrl = url;
      state.webhookSecret = secret;
    },
    injectFault: (fault) => state.injectFault(fault),
    pay: (id, sendOptions) => state.payCheckoutSession(id, sendOptions),
    sendEvent: (type, object, sendOptions) => state.sendEvent(type, object, sendOptions),
    close: closer(server),
  };
}
