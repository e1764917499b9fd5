import { SluiceException } from '@sluice/platform';

const DAY_MS = 86_400_000;
export const DEFAULT_RANGE_DAYS = 30;

/** A UTC day range, inclusive, as `YYYY-MM-DD`. */
export interface DayRange {
  from: string;
  to: string;
}

/** The days a usage query covers: `to` defaults to today, `from` to 29 days before `to`; `from` after `to` is a 400. */
export function dayRange(from: string | undefined, to: string | undefined, now = new Date()): DayRange {
  const end = to ? utcDay(to) : utcDay(now.toISOString());
  const start = from ? utcDay(from) : utcDay(new Date(Date.parse(end) - (DEFAULT_RANGE_DAYS - 1) * DAY_MS).toISOString());
  if (start > end) throw new SluiceException('validation_error', 'from must not be after to', { from: ['must not be after to'] }, 'from');
  return { from: start, to: end };
}

/** The UTC calendar day of a date or time the DTO already checked as ISO-8601. */
function utcDay(value: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : new Date(value).toISOString().slice(0, 10);
}
