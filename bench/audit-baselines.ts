/**
 * What `bench:audit` compares the verifier against in the same run, so that a
 * busy machine slows both sides alike:
 * - `previousVerifier`: the implementation before the fast path, in what
 *   costs time (sixteen columns with `to_char`, 5,000-row batches, the
 *   `canonicalize` package on a freshly built object), with the production
 *   row mapping and hashed members so that it verifies the same thing;
 * - `rawSelect`: the same SELECT streamed and thrown away, no hashing at all.
 */
import { auditEventOfRow, hashedMembers, type AuditRow, type UnhashedAuditEvent } from '@sluice/control-plane/data-access';
import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';

const PREVIOUS_BATCH = 5_000;
const PREVIOUS_SELECT = `SELECT id, tenant_id, seq, event_type, actor_type, actor_id, actor_email, resource_type, resource_id,
  payload, ip_address, user_agent, request_id,
  to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at, prev_hash, hash
  FROM audit_events WHERE chain_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`;

/** Streams the first `limit` events of a chain the previous way; `onBatch` sees each batch. */
async function previousStream(dataSource: DataSource, chainId: string, limit: number, onBatch: (rows: AuditRow[]) => void): Promise<number> {
  let after = 0;
  let seen = 0;
  let next = dataSource.query(PREVIOUS_SELECT, [chainId, after, PREVIOUS_BATCH]) as Promise<AuditRow[]>;
  while (seen < limit) {
    const rows = await next;
    if (rows.length === 0) break;
    after = Number(rows[rows.length - 1].seq);
    next = dataSource.query(PREVIOUS_SELECT, [chainId, after, PREVIOUS_BATCH]) as Promise<AuditRow[]>;
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
      const event = auditEventOfRow(row);
      if (previousHashOf(event) !== event.hash || event.prev_hash !== previousHash) throw new Error(`previous verifier: event ${event.id} is broken`);
      previousHash = event.hash;
    }
  });
}

function previousHashOf(event: UnhashedAuditEvent): string {
  const canonical = canonicalize(hashedMembers(event));
  return createHash('sha256')
    .update(event.prev_hash ?? '')
    .update(canonical ?? '')
    .digest('hex');
}
