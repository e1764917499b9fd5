import type { DataSource } from 'typeorm';
import { listSlice, query, queryOne, type ListWindow, type Reader, type Slice } from '../sql';
import type { Transaction } from '../unit-of-work';

export type CreditEntryKind = 'top_up' | 'usage';

export interface CreditLedgerRow {
  id: string;
  tenant_id: string;
  kind: CreditEntryKind;
  /** USD micro-units: positive for a top-up, negative for usage. */
  amount_micros: string;
  request_id: string | null;
  reason: string;
  created_by: string | null;
  created_at: Date;
}

/** A tenant's position in the ledger: everything appended, and the top-ups alone. */
export interface CreditTotals {
  tenant_id: string;
  balance_micros: string;
  top_ups_micros: string;
}

export interface NewTopUp {
  amountMicros: bigint;
  reason: string;
  createdBy: string | null;
}

/**
 * The append-only credit ledger (a trigger refuses UPDATE and DELETE) and the
 * per-tenant balance kept beside it in the same transaction. Usage debits are
 * appended by the metering ingest; this repository appends top-ups.
 */
export class CreditsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Appends a top-up and moves the balance; returns the entry. The balance
   * row's lock serialises top-ups of one tenant, so the totals read after it
   * grow in commit order.
   */
  async appendTopUp(tx: Transaction, tenantId: string, topUp: NewTopUp): Promise<CreditLedgerRow> {
    const row = await queryOne<CreditLedgerRow>(
      tx,
      `INSERT INTO credit_ledger (tenant_id, kind, amount_micros, reason, created_by) VALUES ($1, 'top_up', $2, $3, $4) RETURNING *`,
      [tenantId, topUp.amountMicros.toString(), topUp.reason, topUp.createdBy],
    );
    await query(
      tx,
      `INSERT INTO credit_balances (tenant_id, balance_micros, top_ups_micros) VALUES ($1, $2, $2)
       ON CONFLICT (tenant_id) DO UPDATE SET balance_micros = credit_balances.balance_micros + EXCLUDED.balance_micros,
         top_ups_micros = credit_balances.top_ups_micros + EXCLUDED.top_ups_micros, updated_at = now()`,
      [tenantId, topUp.amountMicros.toString()],
    );
    return row as CreditLedgerRow;
  }

  /** Balance and top-up total of one tenant (zero when it has no entries). */
  async totals(tenantId: string, db: Reader = this.dataSource): Promise<CreditTotals> {
    const row = await queryOne<CreditTotals>(
      db,
      `SELECT $1::uuid AS tenant_id, COALESCE(b.balance_micros, 0)::text AS balance_micros, COALESCE(b.top_ups_micros, 0)::text AS top_ups_micros
       FROM (SELECT 1) one LEFT JOIN credit_balances b ON b.tenant_id = $1`,
      [tenantId],
    );
    return row as CreditTotals;
  }

  /** `totals` of several tenants in one query, one row each (zeros for a tenant without entries). */
  totalsOf(tenantIds: readonly string[], db: Reader = this.dataSource): Promise<CreditTotals[]> {
    return query<CreditTotals>(
      db,
      `SELECT t.id AS tenant_id, COALESCE(b.balance_micros, 0)::text AS balance_micros, COALESCE(b.top_ups_micros, 0)::text AS top_ups_micros
       FROM unnest($1::uuid[]) AS t(id) LEFT JOIN credit_balances b ON b.tenant_id = t.id`,
      [tenantIds],
    );
  }

  /** Totals of every tenant that has ledger entries, in pages by tenant id. */
  totalsPage(afterTenantId: string | null, limit: number, db: Reader = this.dataSource): Promise<CreditTotals[]> {
    return query<CreditTotals>(
      db,
      `SELECT b.tenant_id, b.balance_micros::text AS balance_micros, b.top_ups_micros::text AS top_ups_micros
       FROM credit_balances b WHERE ($1::uuid IS NULL OR b.tenant_id > $1::uuid) ORDER BY b.tenant_id LIMIT $2`,
      [afterTenantId, limit],
    );
  }

  /** Newest first. */
  ledger(tenantId: string, window: ListWindow): Promise<Slice<CreditLedgerRow>> {
    return listSlice<CreditLedgerRow>(
      this.dataSource,
      'credit_ledger',
      ['tenant_id = $1'],
      [tenantId],
      window,
      'ORDER BY id DESC',
      'id::text AS id, tenant_id, kind, amount_micros::text AS amount_micros, request_id, reason, created_by, created_at',
    );
  }
}
