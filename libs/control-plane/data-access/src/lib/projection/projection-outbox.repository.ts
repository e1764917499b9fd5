import type { ProjectionTarget } from '@sluice/contracts';
import { query } from '../sql';
import type { Transaction } from '../unit-of-work';

/** A projection record to rewrite: an API key by the hash of a secret, a tenant by id, or the catalog. */
export type OutboxTarget = ProjectionTarget;

export interface OutboxEntry {
  id: string;
  target: OutboxTarget;
}

/**
 * Projection writes still owed to Redis. A change queues its targets in its
 * own transaction; whoever drains them writes Redis after that commit, and
 * deletes them only once Redis has accepted the writes.
 */
export class ProjectionOutboxRepository {
  async enqueue(tx: Transaction, targets: OutboxTarget[]): Promise<void> {
    if (targets.length === 0) return;
    await query(tx, 'INSERT INTO projection_outbox (kind, target) SELECT * FROM unnest($1::varchar[], $2::text[])', [
      targets.map((target) => target.kind),
      targets.map((target) => (target.kind === 'catalog' ? '' : target.id)),
    ]);
  }

  /**
   * Serialises drains and rebuilds across replicas for the rest of the
   * transaction: a drain that read older rows can never overwrite a newer
   * write of the same record.
   */
  async lockProjection(tx: Transaction): Promise<void> {
    await query(tx, `SELECT pg_advisory_xact_lock(hashtext('sluice.projection'))`);
  }

  async pending(tx: Transaction, limit: number): Promise<OutboxEntry[]> {
    const rows = await query<{ id: string; kind: OutboxTarget['kind']; target: string }>(
      tx,
      'SELECT id, kind, target FROM projection_outbox ORDER BY id LIMIT $1',
      [limit],
    );
    return rows.map((row) => ({
      id: String(row.id),
      target: row.kind === 'catalog' ? { kind: 'catalog' } : { kind: row.kind, id: row.target },
    }));
  }

  async remove(tx: Transaction, ids: string[]): Promise<void> {
    if (ids.length > 0) await query(tx, 'DELETE FROM projection_outbox WHERE id = ANY($1::bigint[])', [ids]);
  }
}
