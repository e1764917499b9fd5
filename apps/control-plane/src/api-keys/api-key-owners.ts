import { Injectable } from '@nestjs/common';
import { scopesWithinRole } from '@sluice/auth';
import { ApiKeysRepository, MembershipsRepository, UsersRepository, type Transaction } from '@sluice/control-plane/data-access';
import type { KeyScope } from '@sluice/contracts';
import { AuditService } from '../audit/audit.service';
import { KeyOwnerRole } from '../auth/key-owner-role';
import { Projector } from '../projection/projector';
import { apiKeyView } from './api-key-view';

/**
 * A key a user created never acts above that user's current role in the
 * key's tenant. Service keys (no owner) act by their scopes alone.
 *
 * Two halves: {@link ownerRole} (from {@link KeyOwnerRole}, which the
 * authentication floor uses alone) is read on every control-plane request a
 * key makes, so a change of role is in force there at once; {@link enforce} runs
 * in the transaction that removes, demotes or deactivates the owner and
 * writes the outcome into the key itself (revoked, or narrowed to the scopes
 * the new role allows), which the projection carries to the gateway.
 */
@Injectable()
export class ApiKeyOwners extends KeyOwnerRole {
  constructor(
    private readonly apiKeys: ApiKeysRepository,
    users: UsersRepository,
    memberships: MembershipsRepository,
    private readonly audit: AuditService,
    private readonly projector: Projector,
  ) {
    super(users, memberships);
  }

  /**
   * Revokes or narrows the user's keys (in `tenantId`, or in every tenant) to
   * the user's role there now, each change audited and queued for the
   * projection. The caller flushes the projector once its transaction commits.
   * Keys already within the role are left alone, so running it again changes nothing.
   */
  async enforce(tx: Transaction, userId: string, tenantId: string | null): Promise<EnforceOutcome> {
    const outcome = { revoked: 0, narrowed: 0 };
    const keys = await this.apiKeys.lockActiveOfCreator(tx, userId, tenantId);
    if (keys.length === 0) return outcome;
    const user = await this.users.findById(userId, tx);
    for (const key of keys) {
      const role = await this.roleOf(user, key.tenant_id, tx);
      const scopes = scopesWithinRole(key.scopes as KeyScope[], role);
      if (sameScopes(scopes, key.scopes)) continue;
      const revoke = scopes.length === 0;
      const updated = await this.apiKeys.update(tx, key.tenant_id, key.id, revoke ? { status: 'revoked', revoked_at: new Date() } : { scopes });
      await this.audit.record(tx, {
        tenantId: key.tenant_id,
        eventType: revoke ? 'api_key.revoked' : 'api_key.updated',
        resourceType: 'api_key',
        resourceId: key.id,
        old: apiKeyView(key),
        new: { ...apiKeyView(updated), reason: role === null ? 'owner_left' : 'owner_role_changed' },
      });
      const hashes = [key.key_hash, key.previous_key_hash].filter((hash): hash is string => hash !== null);
      await this.projector.enqueue(tx, hashes.map((hash) => ({ kind: 'api_key', id: hash })));
      outcome[revoke ? 'revoked' : 'narrowed'] += 1;
    }
    return outcome;
  }
}

/** How many of the user's keys {@link ApiKeyOwners.enforce} revoked and narrowed. */
export interface EnforceOutcome {
  revoked: number;
  narrowed: number;
}

function sameScopes(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((scope) => b.includes(scope));
}
