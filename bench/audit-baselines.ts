/**
 * What `bench:audit` compares the verifier against in the same run, so that a
 * busy machine slows both sides alike:
 * - `previousVerifier`: the implementation before the fast path, verbatim in
 *   what costs time (sixteen columns with `to_char`, 5,000-row batches, the
 *   `canonicalize` package on a freshly built object);
 * - `rawSelect`: the same SELECT streamed and thrown away, no hashing at all.
 */
import type { AuditEvent, UnhashedAuditEvent } from '@sluice/control-plane/data-access';
import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';

const PREVIOUS_BATCH = 5_000;
const PREVIOUS_SELECT = `SELECT id, tenant_id, seq, event_type, actor_type, actor_id, actor_email, resource_type, resource_id,
  payload, ip_address, user_agent, request_id,
  to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at, prev_hash, hash
  FROM audit_events WHERE chain_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`;

interface PreviousRow {
  id: string;
  tenant_id: string | null;
  seq: string;
  event_type: string;
  actor_type: AuditEvent['actor']['type'];
  actor_id: string | null;
  actor_email: string | null;
  resource_type: string;
  resource_id: string | null;
  payload: Record<string, unknown>;
  ip_address: string | null;
  user_agent: string | null;
  request_id: string | null;
  occurred_at: string;
  prev_hash: string | null;
  hash: string;
}

/** Streams the first `limit` events of a chain the previous way; `onBatch` sees each batch. */
async function previousStream(dataSource: DataSource, chainId: string, limit: number, onBatch: (rows: PreviousRow[]) => void): Promise<number> {
  let after = 0;
  let seen = 0;
  let next = dataSource.query(PREVIOUS_SELECT, [chainId, after, PREVIOUS_BATCH]) as Promise<PreviousRow[]>;
  while (seen < limit) {
    const rows = await next;
    if (rows.length === 0) break;
    after = Number(rows[rows.length - 1].seq);
    next = dataSource.query(PREVIOUS_SELECT, [chainId, after, PREVIOUS_BATCH]) as Promise<PreviousRow[]>;
    onBatch(rows);
    seen += rows.length;
  }
  await next;
  return seen;
}

/** Raw SELECT throughput of the previous query: what PostgreSQL and node-postgres alone cost. */
export function rawSelect(dataSource: DataSource, chainId: string, limit: number): Promise<number> {
  return previousStream(dataSource, chainId, limit, () => undefined);
}

/** The previous verifier's work on the first `limit` events; throws if the chain does not verify. */
export function previousVerifier(dataSource: DataSource, chainId: string, limit: number): Promise<number> {
  let previousHash: string | null = null;
  return previousStream(dataSource, chainId, limit, (rows) => {
    for (const row of rows) {
      const event = previousToEvent(row);
      if (previousHashOf(event) !== event.hash || event.prev_hash !== previousHash) throw new Error(`previous verifier: event ${event.id} is broken`);
      previousHash = event.hash;
    }
  });
}

function previousToEvent(row: PreviousRow): AuditEvent {
  return {
    id: Number(row.id),
    tenant_id: row.tenant_id,
    seq: Number(row.seq),
    event_type: row.event_type,
    actor: { type: row.actor_type, id: row.actor_id, email: row.actor_email },
    resource_type: row.resource_type,
    resource_id: row.resource_id,
    payload: row.payload,
    ip_address: row.ip_address,
    user_agent: row.user_agent,
    request_id: row.request_id,
    timestamp: row.occurred_at,
    prev_hash: row.prev_hash,
    hash: row.hash,
  };
}

function previousHashOf(event: UnhashedAuditEvent): string {
  const canonical = canonicalize({
    id: event.id,
    tenant_id: event.tenant_id,
    seq: event.seq,
    event_type: event.event_type,
    actor: { type: event.actor.type, id: event.actor.id, email: event.actor.email },
    resource_type: event.resource_type,
    resource_id: event.resource_id,
    payload: event.payload,
    ip_address: event.ip_address,
    user_agent: event.user_agent,
    request_id: event.request_id,
    timestamp: event.timestamp,
    prev_hash: event.prev_hash,
  });
  return createHash('sha256')
    .update(event.prev_hash ?? '')
    .update(canonical ?? '')
    .digest('hex');
}
