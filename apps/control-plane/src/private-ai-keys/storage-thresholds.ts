import { Injectable } from '@nestjs/common';
import { PlansRepository, TenantsRepository, UnitOfWork } from '@sluice/control-plane/data-access';
import { storageSizeBytes } from '../common/storage-size';
import { USAGE_THRESHOLDS } from '../metering/usage-thresholds';
import { WebhookOutbox } from '../webhooks/webhook-outbox';
import { PrivateAiKeysRepository } from './private-ai-keys.repository';

/** The thresholds (percent) that `bytes` has reached of `limitBytes`, lowest first. */
export function storageThresholdsReached(bytes: number, limitBytes: number): number[] {
  return USAGE_THRESHOLDS.filter((threshold) => bytes * 100 >= threshold * limitBytes);
}

/**
 * After each measurement, a tenant whose private databases together reach 80 %
 * or 100 % of its plan's `vector_db_storage` gets one `usage.threshold`
 * webhook event per threshold (subject `storage.vector_db`; the limit is the
 * period, so raising it arms the thresholds again). PostgreSQL has no
 * per-database quota: the event is the enforcement (docs/private-ai-keys.md).
 */
@Injectable()
export class StorageThresholds {
  constructor(
    private readonly keys: PrivateAiKeysRepository,
    private readonly tenants: TenantsRepository,
    private readonly plans: PlansRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly outbox: WebhookOutbox,
  ) {}

  async check(tenantId: string): Promise<void> {
    await this.unitOfWork.run(async (tx) => {
      const tenant = await this.tenants.findById(tenantId, tx);
      const limit = tenant ? (await this.plans.findById(tenant.subscription_tier, tx))?.extras.vector_db_storage ?? null : null;
      const limitBytes = storageSizeBytes(limit);
      if (limitBytes === null || limitBytes === 0) return;
      const { bytes } = await this.keys.tenantStorage(tenantId, tx);
      for (const threshold of storageThresholdsReached(bytes, limitBytes)) {
        await this.outbox.emitThresholdOnce(tx, tenantId, { subject: 'storage.vector_db', period: `limit:${limit}`, threshold }, { tenant: tenantId, used: bytes, limit: limitBytes, unit: 'bytes' });
      }
    });
  }
}
