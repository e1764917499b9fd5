import { OperatorRedisKeys } from '@sluice/contracts';
import { ProjectionWriter, type ProjectionEntry, type ReconcileResult } from '@sluice/projection';
import type Redis from 'ioredis';

/**
 * The projection writer, counting for the operator's view
 * (`GET /api/admin/cache-status/`): invalidations published, and when the
 * last full reconcile (the rebuild) finished. The counts are written after the
 * records, and a failure to count never fails the write.
 */
export class CountingProjectionWriter extends ProjectionWriter {
  constructor(
    private readonly stats: Redis,
    keyPrefix: string,
  ) {
    super(stats, keyPrefix);
  }

  override async write(entries: ProjectionEntry[]): Promise<void> {
    await super.write(entries);
    if (entries.length > 0) await this.stats.hincrby(OperatorRedisKeys.projectionStats(), 'invalidations_published', entries.length).catch(() => undefined);
  }

  override async reconcile(desired: ProjectionEntry[]): Promise<ReconcileResult> {
    const result = await super.reconcile(desired);
    await this.stats.hset(OperatorRedisKeys.projectionStats(), 'last_full_rebuild_at', new Date().toISOString()).catch(() => undefined);
    return result;
  }
}
