import { waitUntil } from '@sluice/testing';
import { Cluster } from './support/cluster';
import { burst, costMicros, createActiveTenant, createKey, createPlan, DEFAULT_CHAT, estimatedPromptTokens, sql, statusCounts, topUp, type Pricing, type Tenant } from './support/tenants';

interface CreditsView {
  billing_mode: string;
  balance_micros: number;
  live_balance_micros: number | null;
  count: number;
}

/**
 * Issue 7, "Credits exact": a prepaid balance is spent by two gateway
 * processes at once, and metered into the ledger by two control-plane
 * processes. Admission reserves each request's price against the one Redis
 * balance atomically, so the replicas together can never overspend it.
 */
describe('prepaid credits are exact across gateway replicas (issue 7)', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await Cluster.start({ controlPlanes: 2, gateways: 2 });
  }, 180_000);

  afterAll(async () => {
    await cluster?.close();
  }, 60_000);

  const credits = async (tenant: Tenant) => (await cluster.call<CreditsView>('GET', `/api/tenants/${tenant.slug}/credits/`, { token: cluster.adminToken })).body;

  it('a balance that pays for exactly N requests: of 3N concurrent requests N pass and 2N get 402; after metering the balance is ≥ 0 and equals the ledger', async () => {
    const paidFor = 10;
    const model = 'mock-smart';
    const pricing = (await cluster.call<{ pricing: Pricing }>('GET', `/api/models/${model}/`, { token: cluster.adminToken })).body.pricing;
    const promptTokens = estimatedPromptTokens(DEFAULT_CHAT.content);
    const reservation = costMicros(pricing, promptTokens, DEFAULT_CHAT.maxTokens);
    expect(reservation).toBeGreaterThan(1);
    // Two top-ups that pay for `paidFor` requests and fall one micro-dollar short of the next one.
    const topUps = [paidFor * reservation - 100, 100 + reservation - 1];
    const tenant = await createActiveTenant(cluster, await createPlan(cluster, { billing_mode: 'prepaid' }));
    const { key } = await createKey(cluster, tenant);
    for (const micros of topUps) await topUp(cluster, tenant, micros / 1_000_000);
    const funded = sum(topUps);
    expect(await credits(tenant)).toMatchObject({ billing_mode: 'prepaid', balance_micros: funded, live_balance_micros: funded });

    const answers = await burst(cluster, key, 3 * paidFor, { model });

    expect(statusCounts(answers)).toEqual({ 200: paidFor, 402: 2 * paidFor });
    for (const refused of answers.filter((answer) => answer.status === 402)) {
      expect(refused.body.error).toMatchObject({ code: 'insufficient_credits', details: { level: 'tenant', limit: 'credits' } });
      expect(refused.headers.has('retry-after')).toBe(false);
    }
    // The mock reports exactly the reserved tokens, so each request costs exactly its reservation: a settlement
    // during the burst gives no credit back, and N is the reservation rule's alone.
    for (const answer of answers.filter((candidate) => candidate.status === 200)) {
      expect(answer.body.usage).toMatchObject({ prompt_tokens: promptTokens, completion_tokens: DEFAULT_CHAT.maxTokens });
    }

    const spent = paidFor * reservation;
    await waitUntil(
      async () => {
        const view = await credits(tenant);
        return view.count === topUps.length + paidFor && view.balance_micros === view.live_balance_micros;
      },
      15_000,
      'every admitted request to be metered into the ledger',
    );
    const view = await credits(tenant);
    expect(view.balance_micros).toBe(funded - spent);
    expect(view.balance_micros).toBeGreaterThanOrEqual(0);
    expect(view.live_balance_micros).toBe(view.balance_micros);

    // The ledger itself: the top-ups, one debit per admitted request, and the balance row is their sum.
    const entries = await sql<{ kind: string; entries: number; micros: number }>(
      cluster,
      'SELECT kind, count(*)::int AS entries, sum(amount_micros)::int AS micros FROM credit_ledger WHERE tenant_id = $1 GROUP BY kind ORDER BY kind',
      [tenant.id],
    );
    expect(entries).toEqual([
      { kind: 'top_up', entries: topUps.length, micros: funded },
      { kind: 'usage', entries: paidFor, micros: -spent },
    ]);
    const [balance] = await sql<{ balance_micros: string; top_ups_micros: string }>(cluster, 'SELECT balance_micros, top_ups_micros FROM credit_balances WHERE tenant_id = $1', [
      tenant.id,
    ]);
    expect({ balance: Number(balance.balance_micros), topUps: Number(balance.top_ups_micros) }).toEqual({ balance: funded - spent, topUps: funded });
    // Every debit is one metered request, at its cost.
    const [events] = await sql<{ events: number; unbilled: number }>(
      cluster,
      `SELECT count(*)::int AS events, count(*) FILTER (WHERE l.request_id IS NULL OR l.amount_micros <> -e.cost_micros)::int AS unbilled
       FROM usage_events e LEFT JOIN credit_ledger l ON l.request_id = e.request_id WHERE e.tenant_id = $1`,
      [tenant.id],
    );
    expect(events).toEqual({ events: paidFor, unbilled: 0 });
  });
});

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
