import type { DataSource } from 'typeorm';
import { query, queryOne, type Reader } from '../sql';
import type { Transaction } from '../unit-of-work';

export type BillingMode = 'prepaid' | 'postpaid';

/** The limits a plan sets (docs/limits.md, Plans); null or absent = no limit from the plan. */
export interface PlanLimits {
  rpm?: number | null;
  rph?: number | null;
  rpd?: number | null;
  tpm?: number | null;
  tph?: number | null;
  tpd?: number | null;
  max_concurrency?: number | null;
  api_calls_per_period?: number | null;
  ai_tokens_per_period?: number | null;
  max_users?: number | null;
  max_keys?: number | null;
  /** The products' limits on keys: per member, keys owned by no user, and the default and ceiling of a key's budget and rate. */
  keys_per_user?: number | null;
  service_key_count?: number | null;
  max_budget_per_key?: number | null;
  rpm_per_key?: number | null;
}

/** Product fields stored and returned until a feature gives them meaning. */
export interface PlanExtras {
  vector_db_count?: number | null;
  vector_db_storage?: string | null;
}

export interface PlanRow {
  id: string;
  name: string;
  billing_mode: BillingMode;
  price_monthly_cents: number;
  period_days: number;
  limits: PlanLimits;
  allowed_models: string[] | null;
  entitlements: Record<string, boolean | number>;
  /** A retired plan keeps its tenants but cannot be chosen or assigned again. */
  active: boolean;
  extras: PlanExtras;
  created_at: Date;
  updated_at: Date;
}

export type NewPlan = Omit<PlanRow, 'created_at' | 'updated_at' | 'active' | 'extras'> & Partial<Pick<PlanRow, 'active' | 'extras'>>;
export type PlanChanges = Partial<Omit<NewPlan, 'id'>>;

// bigint arrives from the driver as text; prices fit a double exactly.
const SELECT = `SELECT id, name, billing_mode, price_monthly_cents::float8 AS price_monthly_cents, period_days, limits, allowed_models,
  entitlements, active, extras, created_at, updated_at FROM plans`;
const JSON_COLUMNS = new Set(['limits', 'entitlements', 'extras']);

export class PlansRepository {
  constructor(private readonly dataSource: DataSource) {}

  list(db: Reader = this.dataSource): Promise<PlanRow[]> {
    return query<PlanRow>(db, `${SELECT} ORDER BY price_monthly_cents, id`);
  }

  findById(id: string, db: Reader = this.dataSource): Promise<PlanRow | null> {
    return queryOne<PlanRow>(db, `${SELECT} WHERE id = $1`, [id]);
  }

  async create(tx: Transaction, plan: NewPlan): Promise<PlanRow> {
    await query(
      tx,
      `INSERT INTO plans (id, name, billing_mode, price_monthly_cents, period_days, limits, allowed_models, entitlements, active, extras)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        plan.id,
        plan.name,
        plan.billing_mode,
        plan.price_monthly_cents,
        plan.period_days,
        JSON.stringify(plan.limits),
        plan.allowed_models,
        JSON.stringify(plan.entitlements),
        plan.active ?? true,
        JSON.stringify(plan.extras ?? {}),
      ],
    );
    return (await this.findById(plan.id, tx)) as PlanRow;
  }

  async update(tx: Transaction, id: string, changes: PlanChanges): Promise<PlanRow> {
    const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
    if (entries.length > 0) {
      const sets = entries.map(([column], i) => `${column} = $${i + 2}`);
      await query(tx, `UPDATE plans SET ${sets.join(', ')}, updated_at = now() WHERE id = $1`, [
        id,
        ...entries.map(([column, value]) => (JSON_COLUMNS.has(column) ? JSON.stringify(value) : value)),
      ]);
    }
    return (await this.findById(id, tx)) as PlanRow;
  }

  async remove(tx: Transaction, id: string): Promise<void> {
    await query(tx, 'DELETE FROM plans WHERE id = $1', [id]);
  }

  /** Tenants (deleted ones included) whose `subscription_tier` names the plan. */
  async tenantCount(id: string, db: Reader = this.dataSource): Promise<number> {
    const row = await queryOne<{ count: number }>(db, 'SELECT count(*)::int AS count FROM tenants WHERE subscription_tier = $1', [id]);
    return row?.count ?? 0;
  }
}
