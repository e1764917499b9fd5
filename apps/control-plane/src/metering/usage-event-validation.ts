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

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The format, and a calendar day that exists (Date.parse would roll 30 February over into March). */
function isTimestamp(value: string): boolean {
  if (!ISO_TIMESTAMP.test(value)) return false;
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 2);
  const day = digits(value, 8, 2);
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= DAYS_IN_MONTH[month - 1] + (leap ? 1 : 0);
}

/** The number written by `length` ASCII digits at `start` (the pattern has checked they are digits). */
function digits(value: string, start: number, length: number): number {
  let n = 0;
  for (let i = start; i < start + length; i++) n = n * 10 + value.charCodeAt(i) - 48;
  return n;
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

/** FIELDS in order, taken apart once rather than per event. */
const CHECKS = Object.entries(FIELDS) as Array<[keyof UsageEventInput, Check]>;

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
  // One object literal (a single hidden class) holding exactly the contract's fields, checked afterwards.
  const event = pick(record as unknown as UsageEventInput);
  for (let i = 0; i < CHECKS.length; i++) {
    const [field, check] = CHECKS[i];
    const problem = check(event[field]);
    if (problem) return { ok: false, reason: `${field} ${problem}` };
  }
  return { ok: true, event };
}

function pick(record: UsageEventInput): UsageEventInput {
  return {
    request_id: record.request_id,
    tenant_id: record.tenant_id,
    api_key_id: record.api_key_id,
    team_id: record.team_id,
    environment: record.environment,
    model: record.model,
    provider: record.provider,
    deployment: record.deployment,
    prompt_tokens: record.prompt_tokens,
    completion_tokens: record.completion_tokens,
    cost_micros: record.cost_micros,
    usage_source: record.usage_source,
    outcome: record.outcome,
    http_status: record.http_status,
    latency_ms: record.latency_ms,
    time_to_first_token_ms: record.time_to_first_token_ms,
    started_at: record.started_at,
    finished_at: record.finished_at,
  };
}
