const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 6 });

export function formatInteger(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : integer.format(value);
}

/** Dollars with cents, and down to micro-dollars when the amount has them ($0.000123). */
export function formatUsd(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : usd.format(value);
}

/** `2026-12-06 14:03 UTC`: one unambiguous form for every time the API returns. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A limit the API gives as null when there is none. */
export function formatLimit(value: number | null | undefined): string {
  return value === null || value === undefined ? 'no limit' : integer.format(value);
}
