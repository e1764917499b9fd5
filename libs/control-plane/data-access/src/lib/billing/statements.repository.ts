import type { DataSource } from 'typeorm';
import { query, queryOne, type Reader } from '../sql';
import type { Transaction } from '../unit-of-work';

export interface StatementRow {
  id: string;
  tenant_id: string;
  period_start: Date;
  period_end: Date;
  plan_id: string;
  billing_mode: 'prepaid' | 'postpaid';
  requests: string;
  usage_cost_micros: string;
  plan_fee_micros: string;
  credits_used_micros: string;
  total_micros: string;
  closed_at: Date;
}

export interface StatementLineRow {
  id: string;
  statement_id: string;
  kind: 'usage' | 'adjustment' | 'plan_fee';
  model: string | null;
  environment: string | null;
  requests: string;
  prompt_tokens: string;
  completion_tokens: string;
  amount_micros: string;
  invoiceable: boolean;
  stripe_invoice_item_id: string | null;
  invoiced_at: Date | null;
}

export interface UsageGroup {
  model: string;
  environment: string;
  late: boolean;
  requests: string;
  prompt_tokens: string;
  completion_tokens: string;
  cost_micros: string;
}

export interface NewLine {
  kind: StatementLineRow['kind'];
  model: string | null;
  environment: string | null;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  amountMicros: bigint;
  invoiceable: boolean;
}

/** Statements, their lines, and which usage event is on which statement. */
export class StatementsRepository {
  constructor(private readonly dataSource: DataSource) {}

  lastPeriodEnd(tx: Reader, tenantId: string): Promise<{ period_end: Date } | null> {
    return queryOne(tx, 'SELECT period_end FROM statements WHERE tenant_id = $1 ORDER BY period_end DESC LIMIT 1', [tenantId]);
  }

  async create(tx: Transaction, tenantId: string, period: { start: Date; end: Date }, plan: { id: string; billing_mode: string }): Promise<string> {
    const row = await queryOne<{ id: string }>(
      tx,
      `INSERT INTO statements (tenant_id, period_start, period_end, plan_id, billing_mode, requests, usage_cost_micros, plan_fee_micros, credits_used_micros, total_micros)
       VALUES ($1, $2, $3, $4, $5, 0, 0, 0, 0, 0) RETURNING id`,
      [tenantId, period.start, period.end, plan.id, plan.billing_mode],
    );
    return (row as { id: string }).id;
  }

  /**
   * Puts every usage event of the tenant that started before `end` and is on
   * no statement yet on this one. The primary key of `statement_usage` keeps
   * an event on exactly one statement; an event committed after this runs is
   * picked up by the next statement (an adjustment line when it belongs to an
   * earlier period).
   */
  async assignUsage(tx: Transaction, statementId: string, tenantId: string, end: Date): Promise<void> {
    await query(
      tx,
      `INSERT INTO statement_usage (request_id, statement_id)
       SELECT e.request_id, $1 FROM usage_events e
       WHERE e.tenant_id = $2 AND e.started_at < $3 AND NOT EXISTS (SELECT 1 FROM statement_usage s WHERE s.request_id = e.request_id)
       ON CONFLICT (request_id) DO NOTHING`,
      [statementId, tenantId, end],
    );
  }

  usageGroups(tx: Transaction, statementId: string, periodStart: Date): Promise<UsageGroup[]> {
    return query<UsageGroup>(
      tx,
      `SELECT e.model, e.environment, (e.started_at < $2) AS late, count(*)::text AS requests, sum(e.prompt_tokens)::text AS prompt_tokens,
         sum(e.completion_tokens)::text AS completion_tokens, sum(e.cost_micros)::text AS cost_micros
       FROM statement_usage s JOIN usage_events e ON e.request_id = s.request_id
       WHERE s.statement_id = $1 GROUP BY 1, 2, 3 ORDER BY 3, 1, 2`,
      [statementId, periodStart],
    );
  }

  async addLine(tx: Transaction, statementId: string, line: NewLine): Promise<void> {
    await query(
      tx,
      `INSERT INTO statement_lines (statement_id, kind, model, environment, requests, prompt_tokens, completion_tokens, amount_micros, invoiceable)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [statementId, line.kind, line.model, line.environment, line.requests, line.promptTokens, line.completionTokens, line.amountMicros.toString(), line.invoiceable],
    );
  }

  async setTotals(tx: Transaction, statementId: string, totals: { requests: number; usageCost: bigint; planFee: bigint; creditsUsed: bigint; total: bigint }): Promise<void> {
    await query(tx, 'UPDATE statements SET requests = $2, usage_cost_micros = $3, plan_fee_micros = $4, credits_used_micros = $5, total_micros = $6 WHERE id = $1', [
      statementId,
      totals.requests,
      totals.usageCost.toString(),
      totals.planFee.toString(),
      totals.creditsUsed.toString(),
      totals.total.toString(),
    ]);
  }

  list(tenantId: string, limit: number, offset: number): Promise<StatementRow[]> {
    return query<StatementRow>(this.dataSource, 'SELECT * FROM statements WHERE tenant_id = $1 ORDER BY period_start DESC LIMIT $2 OFFSET $3', [tenantId, limit, offset]);
  }

  async count(tenantId: string): Promise<number> {
    return (await queryOne<{ count: number }>(this.dataSource, 'SELECT count(*)::int AS count FROM statements WHERE tenant_id = $1', [tenantId]))?.count ?? 0;
  }

  find(tenantId: string, id: string): Promise<StatementRow | null> {
    return queryOne<StatementRow>(this.dataSource, 'SELECT * FROM statements WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  }

  /** The lines of the tenant's statement; none for another tenant's. */
  lines(tenantId: string, statementId: string): Promise<StatementLineRow[]> {
    return query<StatementLineRow>(
      this.dataSource,
      `SELECT l.* FROM statement_lines l JOIN statements s ON s.id = l.statement_id WHERE s.tenant_id = $1 AND l.statement_id = $2
       ORDER BY l.kind = 'plan_fee', l.kind, l.model, l.environment`,
      [tenantId, statementId],
    );
  }

  /** Lines owed to Stripe and not sent yet, with the customer to bill. */
  toInvoice(limit: number): Promise<Array<StatementLineRow & { stripe_customer_id: string; tenant_id: string; period_start: Date; closed_at: Date }>> {
    return query(
      this.dataSource,
      `SELECT l.*, t.stripe_customer_id, s.tenant_id, s.period_start, s.closed_at FROM statement_lines l
       JOIN statements s ON s.id = l.statement_id JOIN tenants t ON t.id = s.tenant_id
       WHERE l.invoiceable AND l.stripe_invoice_item_id IS NULL AND t.stripe_customer_id IS NOT NULL
       ORDER BY s.closed_at, l.id LIMIT $1`,
      [limit],
    );
  }

  async markInvoiced(lineId: string, invoiceItemId: string): Promise<void> {
    await query(this.dataSource, 'UPDATE statement_lines SET stripe_invoice_item_id = $2, invoiced_at = now() WHERE id = $1 AND stripe_invoice_item_id IS NULL', [lineId, invoiceItemId]);
  }

  tenantsToClose(): Promise<Array<{ id: string }>> {
    return query(this.dataSource, `SELECT id FROM tenants WHERE status <> 'deleted' ORDER BY id`);
  }
}
