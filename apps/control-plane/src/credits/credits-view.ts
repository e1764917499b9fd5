import type { CreditLedgerRow } from '@sluice/control-plane/data-access';

export interface CreditEntryView {
  id: number;
  kind: CreditLedgerRow['kind'];
  amount_micros: number;
  amount_usd: number;
  request_id: string | null;
  reason: string;
  created_by: string | null;
  created_at: string;
}

export function creditEntryView(row: CreditLedgerRow): CreditEntryView {
  return {
    id: Number(row.id),
    kind: row.kind,
    amount_micros: Number(row.amount_micros),
    amount_usd: microsToUsd(Number(row.amount_micros)),
    request_id: row.request_id,
    reason: row.reason,
    created_by: row.created_by,
    created_at: row.created_at.toISOString(),
  };
}

export function microsToUsd(micros: number): number {
  return micros / 1_000_000;
}

/** Exact for the 6 decimals the DTO allows: the nearest micro-dollar of the parsed number. */
export function usdToMicros(usd: number): bigint {
  return BigInt(Math.round(usd * 1_000_000));
}
