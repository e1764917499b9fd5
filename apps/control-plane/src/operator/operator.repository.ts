import { query, queryOne, type Reader } from '@sluice/control-plane/data-access';
import type { DataSource } from 'typeorm';

export interface BalanceRow {
  tenant_id: string;
  slug: string;
  name: string;
  plan: string;
  balance_micros: number;
}

export interface UsageTotalsRow {
  requests: number;
  tokens: number;
  cost_micros: number;
}

/** The operator's reads: aggregates over rollups and small tables, never a scan of raw usage events. */
export class OperatorRepository {
  constructor(private readonly dataSource: DataSource) {}

  async outboxBacklog(db: Reader = this.dataSource): Promise<{ backlog: number; oldest_at: Date | null }> {
    const row = await queryOne<{ backlog: number; oldest_at: Date | null }>(db, 'SELECT count(*)::int AS backlog, min(created_at) AS oldest_at FROM projection_outbox');
    return row ?? { backlog: 0, oldest_at: null };
  }

  /** Tenants on a prepaid plan with their ledger balance, lowest first; `below` (micro-USD) keeps only balances under it. */
  async prepaidBalances(below: number | null, limit: number, offset: number): Promise<{ count: number; rows: BalanceRow[] }> {
    const where = `FROM tenants t JOIN plans p ON p.id = t.subscription_tier LEFT JOIN credit_balances b ON b.tenant_id = t.id
      WHERE p.billing_mode = 'prepaid' AND t.status <> 'deleted' AND ($1::bigint IS NULL OR coalesce(b.balance_micros, 0) < $1::bigint)`;
    const [rows, total] = await Promise.all([
      query<BalanceRow>(
        this.dataSource,
        `SELECT t.id AS tenant_id, t.slug, t.name, t.subscription_tier AS plan, coalesce(b.balance_micros, 0)::float8 AS balance_micros ${where}
         ORDER BY coalesce(b.balance_micros, 0), t.id LIMIT $2 OFFSET $3`,
        [below, limit, offset],
      ),
      queryOne<{ count: number }>(this.dataSource, `SELECT count(*)::int AS count ${where}`, [below]),
    ]);
    return { count: total?.count ?? 0, rows };
  }

  async tenantsByStatus(): Promise<Array<{ status: string; count: number }>> {
    return query(this.dataSource, 'SELECT status, count(*)::int AS count FROM tenants GROUP BY status ORDER BY status');
  }

  /** From the daily rollups, days `from` to today (UTC). */
  async usageSince(from: string): Promise<UsageTotalsRow> {
    const row = await queryOne<UsageTotalsRow>(
      this.dataSource,
      `SELECT coalesce(sum(requests), 0)::float8 AS requests, coalesce(sum(prompt_tokens + completion_tokens), 0)::float8 AS tokens,
              coalesce(sum(cost_micros), 0)::float8 AS cost_micros FROM usage_daily WHERE day >= $1::date`,
      [from],
    );
    return row ?? { requests: 0, tokens: 0, cost_micros: 0 };
  }

  async topTenantsSince(from: string, limit: number): Promise<Array<UsageTotalsRow & { tenant_id: string; slug: string }>> {
    return query(
      this.dataSource,
      `SELECT u.tenant_id, t.slug, sum(u.requests)::float8 AS requests, sum(u.prompt_tokens + u.completion_tokens)::float8 AS tokens, sum(u.cost_micros)::float8 AS cost_micros
       FROM usage_daily u JOIN tenants t ON t.id = u.tenant_id WHERE u.day >= $1::date GROUP BY u.tenant_id, t.slug ORDER BY cost_micros DESC, requests DESC LIMIT $2`,
      [from, limit],
    );
  }

  async topModelsSince(from: string, limit: number): Promise<Array<UsageTotalsRow & { model: string }>> {
    return query(
      this.dataSource,
      `SELECT model, sum(requests)::float8 AS requests, sum(prompt_tokens + completion_tokens)::float8 AS tokens, sum(cost_micros)::float8 AS cost_micros
       FROM usage_daily WHERE day >= $1::date GROUP BY model ORDER BY cost_micros DESC, requests DESC LIMIT $2`,
      [from, limit],
    );
  }

  /** What Sluice owes prepaid tenants: the sum of positive ledger balances. */
  async creditLiabilitiesMicros(): Promise<number> {
    const row = await queryOne<{ micros: number }>(this.dataSource, 'SELECT coalesce(sum(balance_micros) FILTER (WHERE balance_micros > 0), 0)::float8 AS micros FROM credit_balances');
    return row?.micros ?? 0;
  }
}
