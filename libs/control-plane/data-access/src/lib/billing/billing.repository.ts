import { isUuid } from '@sluice/contracts';
import type { TenantRow } from '../identity/tenants.repository';
import { query, queryOne, type Reader } from '../sql';
import type { Transaction } from '../unit-of-work';
import type { DataSource } from 'typeorm';

export type StripeEventOutcome = 'processing' | 'applied' | 'ignored' | 'stale' | 'unknown_tenant' | 'unknown_plan' | 'unpaid';

export interface StripeEventRecord {
  id: string;
  type: string;
  created: Date;
  tenant_id: string | null;
  object_id: string | null;
  outcome: StripeEventOutcome;
  received_at: Date;
}

export type BillingChanges = Partial<
  Pick<TenantRow, 'stripe_customer_id' | 'stripe_subscription_id' | 'last_payment' | 'billing_status' | 'past_due_since' | 'subscription_tier' | 'status' | 'suspended_at' | 'suspension_reason'>
>;

/** The billing feature's tables: Stripe events received, the newest event applied per object, and the tenant's billing columns. */
export class BillingRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records an event as being processed; false when its id is already
   * recorded. A second delivery of the same id racing the first waits on the
   * primary key until the first commits (then it is a duplicate) or rolls
   * back (then it proceeds): the effect happens once.
   */
  async beginEvent(tx: Transaction, event: { id: string; type: string; created: number }): Promise<boolean> {
    const rows = await query<{ id: string }>(
      tx,
      `INSERT INTO stripe_events (id, type, created, outcome) VALUES ($1, $2, to_timestamp($3), 'processing') ON CONFLICT (id) DO NOTHING RETURNING id`,
      [event.id, event.type, event.created],
    );
    return rows.length === 1;
  }

  async finishEvent(tx: Transaction, id: string, outcome: StripeEventOutcome, tenantId: string | null, objectId: string | null): Promise<void> {
    await query(tx, 'UPDATE stripe_events SET outcome = $2, tenant_id = $3, object_id = $4 WHERE id = $1', [id, outcome, tenantId, objectId]);
  }

  findEvent(id: string, db: Reader = this.dataSource): Promise<StripeEventRecord | null> {
    return queryOne<StripeEventRecord>(db, 'SELECT * FROM stripe_events WHERE id = $1', [id]);
  }

  /**
   * Claims `key`'s state for an event created at `created` (seconds): true
   * when no newer event was applied to it, and the event is then the newest;
   * false for an event older than the one already applied.
   */
  async claimNewest(tx: Transaction, key: string, created: number, eventId: string): Promise<boolean> {
    const rows = await query<{ object_key: string }>(
      tx,
      `INSERT INTO stripe_object_versions (object_key, last_event_created, last_event_id) VALUES ($1, to_timestamp($2), $3)
       ON CONFLICT (object_key) DO UPDATE SET last_event_created = EXCLUDED.last_event_created, last_event_id = EXCLUDED.last_event_id
       WHERE stripe_object_versions.last_event_created <= EXCLUDED.last_event_created
       RETURNING object_key`,
      [key, created, eventId],
    );
    return rows.length === 1;
  }

  /** The tenant's row, locked until the transaction ends: billing changes of one tenant serialise. */
  async lockTenant(tx: Transaction, id: string | null): Promise<TenantRow | null> {
    if (!id || !isUuid(id)) return null;
    const row = await queryOne<{ id: string }>(tx, 'SELECT id FROM tenants WHERE id = $1 FOR UPDATE', [id]);
    return row ? this.tenant(tx, row.id) : null;
  }

  async lockTenantByCustomer(tx: Transaction, customerId: string | null): Promise<TenantRow | null> {
    if (!customerId) return null;
    const row = await queryOne<{ id: string }>(tx, 'SELECT id FROM tenants WHERE stripe_customer_id = $1 FOR UPDATE', [customerId]);
    return row ? this.tenant(tx, row.id) : null;
  }

  /** Tenants whose payment failed and that are not suspended yet: each needs a pending suspension. */
  pastDueActiveTenants(db: Reader = this.dataSource): Promise<Array<{ id: string; past_due_since: Date }>> {
    return query(db, `SELECT id, past_due_since FROM tenants WHERE billing_status = 'past_due' AND status = 'active' AND past_due_since IS NOT NULL`);
  }

  /** Sets the tenant's Stripe customer unless it has one; returns the tenant's customer after. */
  async adoptCustomer(tx: Reader, tenantId: string, customerId: string): Promise<string | null> {
    // A customer already another tenant's stays theirs (the column is unique): the tenant keeps none rather than failing the event.
    await query(
      tx,
      `UPDATE tenants SET stripe_customer_id = $2, updated_at = now() WHERE id = $1 AND stripe_customer_id IS NULL
         AND NOT EXISTS (SELECT 1 FROM tenants other WHERE other.stripe_customer_id = $2)`,
      [tenantId, customerId],
    );
    const row = await queryOne<{ stripe_customer_id: string | null }>(tx, 'SELECT stripe_customer_id FROM tenants WHERE id = $1', [tenantId]);
    return row?.stripe_customer_id ?? null;
  }

  async update(tx: Transaction, tenantId: string, changes: BillingChanges): Promise<TenantRow> {
    const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
    if (entries.length > 0) {
      const sets = entries.map(([column], i) => `${column} = $${i + 2}`);
      await query(tx, `UPDATE tenants SET ${sets.join(', ')}, updated_at = now() WHERE id = $1`, [tenantId, ...entries.map(([, value]) => value)]);
    }
    return (await this.tenant(tx, tenantId)) as TenantRow;
  }

  async setting(key: string, db: Reader = this.dataSource): Promise<string | null> {
    return (await queryOne<{ value: string | null }>(db, 'SELECT value FROM billing_settings WHERE key = $1', [key]))?.value ?? null;
  }

  async setSetting(tx: Transaction, key: string, value: string | null): Promise<void> {
    await query(tx, `INSERT INTO billing_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`, [key, value]);
  }

  private tenant(db: Reader, id: string): Promise<TenantRow | null> {
    return queryOne<TenantRow>(db, `SELECT t.*, (SELECT count(*)::int FROM tenant_users tu WHERE tu.tenant_id = t.id) AS user_count FROM tenants t WHERE t.id = $1`, [id]);
  }
}
