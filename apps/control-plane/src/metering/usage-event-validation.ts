import type { UsageEventInput } from '@sluice/control-plane/data-access';
import { isUuid, KEY_ENVIRONMENTS } from '@sluice/contracts';

export type ParsedUsageEvent = { ok: true; event: UsageEventInput } | { ok: false; reason: string };

const ISO_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
/** The ledger's integer columns: anything larger would make the batch fail in PostgreSQL rather than here. */
const INT32_MAX = 2_147_483_647;

type Check = (value: unknown) => string | null;

const text = (max: number): Check => (value) => (typeof value === 'string' && value.length >= 1 && value.length <= max ? null : `must be a string of 1 to ${max} characters`);
const nullable = (check: Check): Check => (value) => (value === null ? null : check(value));
const oneOf = (...allowed: string[]): Check => (value) => (typeof value === 'string' && allowed.includes(value) ? null : `must be one of ${allowed.join(', ')}`);
const uuid: Check = (value) => (isUuid(value) ? null : 'must be a UUID');
const count = (max: number): Check => (value) => (Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= max ? null : `must be a whole number from 0 to ${max}`);
const timestamp: Check = (value) => (typeof value === 'string' && isTimestamp(value) ? null : 'must be an ISO-8601 timestamp with a time zone');

/** The format, and a calendar day that exists (Date.parse would roll 30 February over into March). */
function isTimestamp(value: string): boolean {
  const match = ISO_TIMESTAMP.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** `UsageEventV1` (`@sluice/contracts`), field by field; the one place that decides what the ledger accepts. */
const FIELDS: Record<keyof UsageEventInput, Check> = {
  request_id: text(128),
  tenant_id: uuid,
  api_key_id: uuid,
  team_id: nullable(uuid),
  environment: oneOf(...KEY_ENVIRONMENTS),
  model: text(128),
  provider: text(64),
  deployment: nullable(text(200)),
  prompt_tokens: count(Number.MAX_SAFE_INTEGER),
  completion_tokens: count(Number.MAX_SAFE_INTEGER),
  cost_micros: count(Number.MAX_SAFE_INTEGER),
  usage_source: oneOf('provider', 'estimated'),
  outcome: oneOf('completed', 'provider_error', 'client_aborted', 'rejected'),
  http_status: count(999),
  latency_ms: count(INT32_MAX),
  time_to_first_token_ms: nullable(count(INT32_MAX)),
  started_at: timestamp,
  finished_at: timestamp,
};

/**
 * Parses one stream entry's `event` field. A failure names the first bad
 * field; the event then goes to the dead-letter stream with that reason.
 * Unknown extra fields are ignored (a newer gateway may add some).
 */
export function parseUsageEvent(raw: string | undefined): ParsedUsageEvent {
  if (raw === undefined) return { ok: false, reason: 'entry has no event field' };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, reason: 'event is not valid JSON' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, reason: 'event is not a JSON object' };
  const record = value as Record<string, unknown>;
  if (record['v'] !== 1) return { ok: false, reason: `unsupported event version ${JSON.stringify(record['v'] ?? null)}` };
  const event: Record<string, unknown> = {};
  for (const [field, check] of Object.entries(FIELDS)) {
    const problem = check(record[field]);
    if (problem) return { ok: false, reason: `${field} ${problem}` };
    event[field] = record[field];
  }
  return { ok: true, event: event as unknown as UsageEventInput };
}
