import { invalidParam, missingParam, noSuch } from './errors';
import type { FormObject, FormValue } from './form';
import { stripeId } from './ids';

/** The subset of Stripe's objects Sluice uses, with the fields it reads. */
export interface Customer {
  id: string;
  object: 'customer';
  email: string | null;
  name: string | null;
  metadata: Record<string, string>;
  created: number;
  livemode: false;
}

export interface CheckoutSession {
  id: string;
  object: 'checkout.session';
  mode: 'payment' | 'subscription';
  status: 'open' | 'complete' | 'expired';
  payment_status: 'unpaid' | 'paid';
  amount_subtotal: number;
  amount_total: number;
  currency: string;
  customer: string | null;
  customer_email: string | null;
  client_reference_id: string | null;
  metadata: Record<string, string>;
  subscription: string | null;
  invoice: string | null;
  success_url: string | null;
  cancel_url: string | null;
  url: string | null;
  created: number;
  expires_at: number;
  livemode: false;
}

export interface PortalSession {
  id: string;
  object: 'billing_portal.session';
  customer: string;
  return_url: string | null;
  url: string;
  created: number;
  livemode: false;
}

export interface InvoiceItem {
  id: string;
  object: 'invoiceitem';
  customer: string;
  amount: number;
  currency: string;
  description: string | null;
  metadata: Record<string, string>;
  date: number;
  livemode: false;
}

export const now = (): number => Math.floor(Date.now() / 1000);

function text(params: FormObject, name: string): string | null {
  const value = params[name];
  if (value === undefined) return null;
  if (typeof value !== 'string') throw invalidParam(name, `Invalid string: ${name}`);
  return value;
}

function metadata(params: FormObject): Record<string, string> {
  const value = params['metadata'];
  if (value === undefined || value === '') return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidParam('metadata', 'Invalid object: metadata');
  const result: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') throw invalidParam(`metadata[${key}]`, 'Metadata values must be strings');
    result[key] = entry;
  }
  return result;
}

function integer(value: FormValue | undefined, param: string, { min = 0 } = {}): number {
  if (typeof value !== 'string' || !/^-?\d+$/.test(value)) throw invalidParam(param, `Invalid integer: ${String(value)}`);
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < min) throw invalidParam(param, `${param} must be at least ${min}`);
  return number;
}

export function newCustomer(params: FormObject): Customer {
  return { id: stripeId('cus_', 14), object: 'customer', email: text(params, 'email'), name: text(params, 'name'), metadata: metadata(params), created: now(), livemode: false };
}

/** Line items with inline `price_data` (Sluice names its prices at checkout time); the total is theirs. */
export function newCheckoutSession(params: FormObject, baseUrl: string, customers: ReadonlyMap<string, Customer>): CheckoutSession {
  const mode = text(params, 'mode');
  if (mode === null) throw missingParam('mode');
  if (mode !== 'payment' && mode !== 'subscription') throw invalidParam('mode', `Invalid mode: must be one of payment or subscription`);
  const successUrl = text(params, 'success_url');
  if (successUrl === null) throw missingParam('success_url');
  const customer = text(params, 'customer');
  if (customer !== null && !customers.has(customer)) throw noSuch('customer', customer, 'customer');
  const items = params['line_items'];
  if (!Array.isArray(items) || items.length === 0) throw missingParam('line_items');
  let total = 0;
  let currency: string | null = null;
  items.forEach((item, index) => {
    const param = `line_items[${index}]`;
    if (typeof item !== 'object' || Array.isArray(item)) throw invalidParam(param, `Invalid object: ${param}`);
    const priceData = item['price_data'];
    if (typeof priceData !== 'object' || Array.isArray(priceData)) {
      if (typeof item['price'] === 'string') throw noSuch('price', item['price'], `${param}[price]`);
      throw missingParam(`${param}[price_data]`);
    }
    const quantity = item['quantity'] === undefined ? 1 : integer(item['quantity'], `${param}[quantity]`, { min: 1 });
    total += integer(priceData['unit_amount'], `${param}[price_data][unit_amount]`) * quantity;
    const itemCurrency = priceData['currency'];
    if (typeof itemCurrency !== 'string' || !/^[a-z]{3}$/.test(itemCurrency)) throw missingParam(`${param}[price_data][currency]`);
    if (currency !== null && currency !== itemCurrency) throw invalidParam(`${param}[price_data][currency]`, 'All line items must share one currency');
    currency = itemCurrency;
    if (mode === 'subscription' && typeof priceData['recurring'] !== 'object') throw missingParam(`${param}[price_data][recurring]`);
  });
  const id = stripeId('cs_test_', 58);
  const created = now();
  return {
    id,
    object: 'checkout.session',
    mode,
    status: 'open',
    payment_status: 'unpaid',
    amount_subtotal: total,
    amount_total: total,
    currency: currency ?? 'usd',
    customer,
    customer_email: text(params, 'customer_email'),
    client_reference_id: text(params, 'client_reference_id'),
    metadata: metadata(params),
    subscription: null,
    invoice: null,
    success_url: successUrl,
    cancel_url: text(params, 'cancel_url'),
    url: `${baseUrl}/checkout/${id}`,
    created,
    expires_at: created + 86_400,
    livemode: false,
  };
}

export function newPortalSession(params: FormObject, baseUrl: string, customers: ReadonlyMap<string, Customer>): PortalSession {
  const customer = text(params, 'customer');
  if (customer === null) throw missingParam('customer');
  if (!customers.has(customer)) throw noSuch('customer', customer, 'customer');
  const id = stripeId('bps_', 24);
  return { id, object: 'billing_portal.session', customer, return_url: text(params, 'return_url'), url: `${baseUrl}/portal/${id}`, created: now(), livemode: false };
}

export function newInvoiceItem(params: FormObject, customers: ReadonlyMap<string, Customer>): InvoiceItem {
  const customer = text(params, 'customer');
  if (customer === null) throw missingParam('customer');
  if (!customers.has(customer)) throw noSuch('customer', customer, 'customer');
  const currency = text(params, 'currency');
  if (currency === null) throw missingParam('currency');
  if (params['amount'] === undefined) throw missingParam('amount');
  return {
    id: stripeId('ii_', 24),
    object: 'invoiceitem',
    customer,
    amount: integer(params['amount'], 'amount', { min: -Number.MAX_SAFE_INTEGER }),
    currency,
    description: text(params, 'description'),
    metadata: metadata(params),
    date: now(),
    livemode: false,
  };
}
