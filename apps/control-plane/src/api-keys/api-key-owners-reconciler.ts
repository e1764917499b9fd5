import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { scopesAllowedForRole, TENANT_ROLES } from '@sluice/auth';
import { ApiKeysRepository, UnitOfWork } from '@sluice/control-plane/data-access';
import { SchemaReady } from '../database/schema-ready';
import { Projector } from '../projection/projector';
import { ApiKeyOwners } from './api-key-owners';

/**
 * Keys written before "a key never acts above its owner" (a member's `write`
 * key, the key of a user who already left or was deactivated) are limited on
 * the control plane at once, since it reads the owner's role per request, but
 * the gateway serves what the key row says. On start this rewrites those rows
 * through {@link ApiKeyOwners.enforce}, one owner per transaction. Idempotent,
 * and safe with replicas starting together: `enforce` locks the keys and
 * skips those already within the role.
 */
@Injectable()
export class ApiKeyOwnersReconciler implements OnApplicationBootstrap {
  private readonly logger = new Logger('ApiKeyOwners');

  constructor(
    private readonly apiKeys: ApiKeysRepository,
    private readonly owners: ApiKeyOwners,
    private readonly unitOfWork: UnitOfWork,
    private readonly projector: Projector,
    private readonly schema: SchemaReady,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.schema.whenMigrated('reconciling API keys with their owners', () => this.reconcile());
  }

  async reconcile(): Promise<void> {
    const allowed = Object.fromEntries(TENANT_ROLES.map((role) => [role, scopesAllowedForRole(role)]));
    const total = { revoked: 0, narrowed: 0 };
    for (const userId of await this.apiKeys.creatorsAboveRole(allowed)) {
      const outcome = await this.unitOfWork.run((tx) => this.owners.enforce(tx, userId, null));
      total.revoked += outcome.revoked;
      total.narrowed += outcome.narrowed;
    }
    if (total.revoked + total.narrowed === 0) return;
    this.logger.log(`API keys above their owner's current role: ${total.revoked} revoked, ${total.narrowed} narrowed`);
    await this.projector.flush();
  }
}
