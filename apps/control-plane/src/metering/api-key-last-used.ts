import { arrayLiteral, query, type Transaction, type UsageEventInput } from '@sluice/control-plane/data-access';

/** `last_used_at` is kept to this precision: a key in steady use is written at most once a minute. */
export const LAST_USED_PRECISION = '1 minute';

/**
 * Each key's latest use in a batch (its latest `finished_at`, never in the
 * future), written to `api_keys.last_used_at` only where the stored value is
 * more than a minute older. The gateway writes nothing to PostgreSQL, and the
 * ledger's batch carries the use anyway: a busy key costs one UPDATE a minute,
 * not one per request. Rows are locked in id order, as the ledger's upserts
 * are, and only those the WHERE keeps are locked at all.
 */
const TOUCH = `
WITH used AS (
  SELECT id, least(max(at), now()) AS at FROM unnest($1::uuid[], $2::timestamptz[]) AS u(id, at) GROUP BY id
),
due AS (
  SELECT k.id, used.at FROM api_keys k JOIN used ON used.id = k.id
  WHERE k.last_used_at IS NULL OR k.last_used_at < used.at - interval '${LAST_USED_PRECISION}'
  ORDER BY k.id FOR UPDATE OF k
)
UPDATE api_keys k SET last_used_at = greatest(k.last_used_at, due.at) FROM due WHERE k.id = due.id`;

/** Records the batch's key uses inside the ledger's transaction. */
export async function touchApiKeys(tx: Transaction, events: UsageEventInput[]): Promise<void> {
  if (events.length === 0) return;
  const { ids, times } = latestUses(events);
  await query(tx, TOUCH, [arrayLiteral(ids), arrayLiteral(times)]);
}

/**
 * Each key's latest `finished_at` in the batch, so that the statement gets a
 * handful of keys rather than a thousand events. A time this cannot read is
 * passed on as it is, for PostgreSQL to judge as it would without this step.
 */
export function latestUses(events: readonly UsageEventInput[]): { ids: string[]; times: string[] } {
  const latest = new Map<string, { at: number; time: string }>();
  const ids: string[] = [];
  const times: string[] = [];
  for (const event of events) {
    const at = Date.parse(event.finished_at);
    if (Number.isNaN(at)) {
      ids.push(event.api_key_id);
      times.push(event.finished_at);
      continue;
    }
    const seen = latest.get(event.api_key_id);
    if (!seen || at > seen.at) latest.set(event.api_key_id, { at, time: event.finished_at });
  }
  for (const [id, use] of latest) {
    ids.push(id);
    times.push(use.time);
  }
  return { ids, times };
}

