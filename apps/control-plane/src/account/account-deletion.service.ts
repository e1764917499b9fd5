import { Injectable } from '@nestjs/common';
import { MembershipsRepository, PersonalTokensRepository, TenantsRepository, UnitOfWork, UsersRepository } from '@sluice/control-plane/data-access';
import { SluiceException } from '@sluice/platform';
import { ApiKeyOwners } from '../api-keys/api-key-owners';
import { AuditService } from '../audit/audit.service';
import { Passwords } from '../auth/passwords';
import { requireUser, type Principal } from '../auth/principal';
import { Sessions } from '../auth/sessions';
import { Projector } from '../projection/projector';
import { WebhookOutbox } from '../webhooks/webhook-outbox';
import { currentUser } from './current-user';
import type { DeleteAccountDto } from './dto/auth.dto';

/**
 * A person deleting their own account (docs/security.md, Account deletion).
 * The row stays, under its id, as the pseudonym the audit chain already
 * names; everything personal in it is erased, every session and personal
 * token ends, memberships go (and with them the API keys the user created,
 * as when a member leaves). Audit rows are never rewritten: they keep the id,
 * and the deletion's own event records the actor by id only.
 */
@Injectable()
export class AccountDeletionService {
  constructor(
    private readonly users: UsersRepository,
    private readonly memberships: MembershipsRepository,
    private readonly tenants: TenantsRepository,
    private readonly personalTokens: PersonalTokensRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly passwords: Passwords,
    private readonly sessions: Sessions,
    private readonly keyOwners: ApiKeyOwners,
    private readonly audit: AuditService,
    private readonly projector: Projector,
    private readonly webhookEvents: WebhookOutbox,
  ) {}

  async delete(caller: Principal, dto: DeleteAccountDto): Promise<void> {
    const principal = requireUser(caller);
    const user = await currentUser(this.users, principal);
    if (!(await this.passwords.verify(user.password_hash, dto.password))) {
      throw new SluiceException('validation_error', 'password is wrong', { password: ['is wrong'] }, 'password');
    }
    if (user.is_platform_admin) {
      throw new SluiceException('conflict', 'A platform admin cannot delete their own account: another platform admin must drop the flag first');
    }
    await this.unitOfWork.run(async (tx) => {
      const memberships = await this.memberships.rolesOfUser(user.id, tx);
      for (const membership of memberships) {
        await this.tenants.lock(tx, membership.tenant_id);
        if (membership.role !== 'owner') continue;
        const owners = await this.memberships.countByRole(membership.tenant_id, 'owner', tx);
        const members = await this.memberships.countMembers(membership.tenant_id, tx);
        if (owners <= 1 && members > 1) {
          const tenant = await this.tenants.findById(membership.tenant_id, tx);
          throw new SluiceException('conflict', `You are the only owner of tenant ${tenant?.slug ?? membership.tenant_id}, which has other members: make one of them owner first`, {
            tenant: tenant?.slug ?? membership.tenant_id,
          });
        }
      }
      for (const membership of memberships) {
        await this.memberships.delete(tx, membership.tenant_id, membership.id);
        await this.audit.record(tx, { tenantId: membership.tenant_id, eventType: 'tenant_user.deleted', resourceType: 'tenant_user', resourceId: membership.id, old: { user_id: user.id, role: membership.role }, pseudonymousActor: true });
        // The account is being erased: the tenant learns who left by id only.
        await this.webhookEvents.emit(tx, membership.tenant_id, 'member.removed', { id: membership.id, tenant: membership.tenant_id, user: user.id, role: membership.role, account_deleted: true });
        await this.keyOwners.enforce(tx, user.id, membership.tenant_id);
      }
      await this.personalTokens.revokeAllOfUser(tx, user.id);
      await this.sessions.endAllOfUser(tx, user.id);
      await this.users.update(tx, user.id, {
        email: `deleted-${user.id}@deleted.invalid`,
        username: null,
        first_name: '',
        last_name: '',
        password_hash: null,
        is_active: false,
      });
      await this.audit.record(tx, { tenantId: null, eventType: 'user.deleted', resourceType: 'user', resourceId: user.id, new: { user_id: user.id }, pseudonymousActor: true });
    });
    await this.projector.flush();
  }
}
