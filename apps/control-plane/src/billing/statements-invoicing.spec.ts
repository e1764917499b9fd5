import { startFakeStripe, type FakeStripe } from '@sluice/fake-stripe';
import type { StatementLineRow, StatementsRepository } from '@sluice/control-plane/data-access';
import Stripe from 'stripe';
import { IDEMPOTENCY_KEY_TRUST_MS, StatementsService } from './statements.service';

type OwedLine = StatementLineRow & { stripe_customer_id: string; tenant_id: string; period_start: Date; closed_at: Date };

/** The two calls invoicing makes, over lines in memory. */
class OwedLines {
  readonly lines: OwedLine[] = [];

  add(customer: string, closedAgoMs: number): OwedLine {
    const id = `00000000-0000-4000-8000-${String(this.lines.length + 1).padStart(12, '0')}`;
    const line: OwedLine = {
      id,
      statement_id: 'statement-1',
      kind: 'usage',
      model: 'gpt-4o',
      environment: 'live',
      requests: '3',
      prompt_tokens: '30',
      completion_tokens: '15',
      amount_micros: '1234567',
      invoiceable: true,
      stripe_invoice_item_id: null,
      invoiced_at: null,
      stripe_customer_id: customer,
      tenant_id: 'tenant-1',
      period_start: new Date(Date.now() - 2 * 86_400_000),
      closed_at: new Date(Date.now() - closedAgoMs),
    };
    this.lines.push(line);
    return line;
  }

  async toInvoice(): Promise<OwedLine[]> {
    return this.lines.filter((line) => line.stripe_invoice_item_id === null);
  }

  async markInvoiced(lineId: string, itemId: string): Promise<void> {
    const line = this.lines.find((candidate) => candidate.id === lineId);
    if (line && line.stripe_invoice_item_id === null) line.stripe_invoice_item_id = itemId;
  }
}

describe('StatementsService.invoicePending against the fake Stripe', () => {
  let fake: FakeStripe;
  let stripe: Stripe;
  let owed: OwedLines;
  let service: StatementsService;
  let customer: string;

  beforeEach(async () => {
    fake = await startFakeStripe();
    const base = new URL(fake.url);
    stripe = new Stripe('sk_test_unit', { host: base.hostname, port: Number(base.port), protocol: 'http', maxNetworkRetries: 2 });
    owed = new OwedLines();
    const unused = {} as never;
    service = new StatementsService(owed as unknown as StatementsRepository, unused, unused, unused, unused, unused, stripe);
    customer = (await stripe.customers.create({})).id;
  });
  afterEach(() => fake.close());

  const invoiceItemCalls = () => fake.calls.filter((call) => call.path === '/v1/invoiceitems');
  const itemsOf = (lineId: string) => [...fake.state.invoiceItems.values()].filter((item) => item.metadata['statement_line_id'] === lineId);

  it('sends a freshly closed line with its id as the idempotency key, without looking anything up', async () => {
    const line = owed.add(customer, 60_000);
    expect(await service.invoicePending()).toBe(1);
    expect(invoiceItemCalls().map((call) => [call.method, call.idempotencyKey])).toEqual([['POST', `statement-line-${line.id}`]]);
    expect(itemsOf(line.id)).toEqual([expect.objectContaining({ id: line.stripe_invoice_item_id, amount: 123, customer })]);
  });

  it('past the idempotency window, records the item Stripe already has for the line instead of creating another', async () => {
    const line = owed.add(customer, IDEMPOTENCY_KEY_TRUST_MS + 60_000);
    // Stripe made the item a day ago; the answer was lost and the key is forgotten by now.
    const earlier = await stripe.invoiceItems.create({ customer, amount: 123, currency: 'usd', metadata: { statement_line_id: line.id } });
    for (let index = 0; index < 3; index++) await stripe.invoiceItems.create({ customer, amount: 1, currency: 'usd', metadata: { statement_line_id: `other-${index}` } });
    expect(await service.invoicePending()).toBe(1);
    expect(line.stripe_invoice_item_id).toBe(earlier.id);
    expect(itemsOf(line.id)).toHaveLength(1);
    expect(invoiceItemCalls().filter((call) => call.method === 'POST')).toHaveLength(4);
  });

  it('past the window, creates a line found nowhere once; two late lines of one customer cost one look-up', async () => {
    const [first, second] = [owed.add(customer, IDEMPOTENCY_KEY_TRUST_MS + 1), owed.add(customer, IDEMPOTENCY_KEY_TRUST_MS + 1)];
    second.closed_at = first.closed_at;
    expect(await service.invoicePending()).toBe(2);
    expect(itemsOf(first.id)).toHaveLength(1);
    expect(itemsOf(second.id)).toHaveLength(1);
    expect(invoiceItemCalls().filter((call) => call.method === 'GET')).toHaveLength(1);
  });

  it('past the window, a failed look-up sends nothing: the line waits for a run that can look', async () => {
    const line = owed.add(customer, IDEMPOTENCY_KEY_TRUST_MS + 1);
    fake.injectFault({ status: 500, path: '/v1/invoiceitems', count: 3 });
    expect(await service.invoicePending()).toBe(0);
    expect(line.stripe_invoice_item_id).toBeNull();
    expect(fake.state.invoiceItems.size).toBe(0);
    expect(invoiceItemCalls().every((call) => call.method === 'GET')).toBe(true);
    expect(await service.invoicePending()).toBe(1);
    expect(itemsOf(line.id)).toHaveLength(1);
  });
});
