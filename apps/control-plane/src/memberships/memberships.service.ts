import { Injectable } from '@nestjs/common';
import { mayManageRole, type TenantRole } from '@sluice/auth';
import {
  isUniqueViolation,
  MembershipsRepository,
  TenantsRepository,
  UnitOfWork,
  UsersRepository,
  type MembershipRow,
  type Transaction,
} from '@sluice/control-plane/data-access';
import { SluiceException } from '@sluice/platform';
import { pageWindow } from '@sluice/platform/openapi';
import { ApiKeyOwners } from '../api-keys/api-key-owners';
import { AuditService } from '../audit/audit.service';
import { Passwords } from '../auth/passwords';
import type { Principal } from '../auth/principal';
import { TenantQuotaSource } from '../tenants/tenant-quota-source';
import { Projector } from '../projection/projector';
import { notFound, TenantAccess } from '../auth/tenant-access';
import { isUuid } from '@sluice/contracts';
import { UsersService } from '../users/users.service';
import { WebhookOutbox } from '../webhooks/webhook-outbox';
import type { CreateMembershipDto, ListMembershipsQueryDto, UpdateMembershipDto } from './dto/membership.dto';
import type { InvitationView } from './invitation-view';
import { membershipView, type MembershipView } from './membership-view';
import { InvitationsService } from './invitations.service';

type Headers = Record<string, string | string[] | undefined>;

/**
 * `/api/tenant-users/`: who belongs to a tenant with which role.
 * Owners grant `owner`; admins manage admins and below; a tenant always keeps
 * one owner; `max_users` bounds the members. A demotion narrows, and a removal
 * revokes, the member's API keys in the same transaction. Checks that count rows run under
 * a lock on the tenant's row, so concurrent requests cannot both pass them.
 */
@Injectable()
export class MembershipsService {
  constructor(
    private readonly memberships: MembershipsRepository,
    private readonly tenants: TenantsRepository,
    private readonly users: UsersRepository,
    private readonly userAccounts: UsersService,
    private readonly passwords: Passwords,
    private readonly unitOfWork: UnitOfWork,
    private readonly access: TenantAccess,
    private readonly audit: AuditService,
    private readonly quotas: TenantQuotaSource,
    private readonly keyOwners: ApiKeyOwners,
    private readonly projector: Projector,
    private readonly invitations: InvitationsService,
    private readonly webhookEvents: WebhookOutbox,
  ) {}

  async list(principal: Principal, query: ListMembershipsQueryDto, headers: Headers): Promise<{ count: number; results: MembershipView[] }> {
    const tenantIds = await this.access.visibleTenantIds(principal, query.tenant, headers);
    const slice = await this.memberships.list(tenantIds, { role: query.role }, { ...pageWindow(query), ordering: query.ordering });
    return { count: slice.count, results: slice.rows.map(membershipView) };
  }

  async get(principal: Principal, id: string): Promise<MembershipView> {
    return membershipView((await this.load(principal, id, 'viewer')).membership);
  }

  /** A membership, or (for an address that has to consent first) an invitation. */
  async create(principal: Principal, dto: CreateMembershipDto, headers: Headers): Promise<{ membership: MembershipView } | { invitation: InvitationView }> {
    const { tenant, role: actorRole } = await this.access.resolve(principal, dto.tenant, headers, 'admin');
    requireMayManage(actorRole, dto.role);
    if (dto.email && !dto.user && (await this.needsInvitation(dto.email, dto.password, principal.isPlatformAdmin))) {
      return { invitation: await this.invitations.invite(principal, tenant, dto.email, dto.role) };
    }
    const passwordHash = dto.password ? await this.passwords.hash(dto.password) : null;
    try {
      const row = await this.unitOfWork.run(async (tx) => {
        const locked = await this.tenants.lock(tx, tenant.id);
        const maxUsers = (await this.quotas.limits(locked ?? tenant, tx)).max_users;
        if ((await this.memberships.countMembers(tenant.id, tx)) >= maxUsers) {
          throw new SluiceException('user_limit_reached', `Tenant ${tenant.slug} has reached its limit of ${maxUsers} users`, { max_users: maxUsers });
        }
        const newAccount = dto.user === undefined && !(await this.users.findByEmail(dto.email as string, tx));
        const userId = await this.userFor(tx, dto, passwordHash, principal.isPlatformAdmin);
        const membership = await this.memberships.create(tx, tenant.id, userId, dto.role);
        if (newAccount) await this.webhookEvents.emit(tx, tenant.id, 'user.registered', { user: userId, email: membership.email, first_name: membership.first_name, last_name: membership.last_name, tenant: tenant.id, role: dto.role });
        await this.audit.record(tx, { tenantId: tenant.id, eventType: 'tenant_user.created', resourceType: 'tenant_user', resourceId: membership.id, new: membershipView(membership) });
        await this.webhookEvents.emit(tx, tenant.id, 'member.added', membershipView(membership));
        return membership;
      });
      return { membership: membershipView(row) };
    } catch (error) {
      if (isUniqueViolation(error, 'tenant_users_once')) throw new SluiceException('conflict', 'This user is already a member of the tenant', {}, 'user');
      throw error;
    }
  }

  async update(principal: Principal, id: string, dto: UpdateMembershipDto): Promise<MembershipView> {
    const { membership, actorRole } = await this.load(principal, id, 'admin');
    if (!dto.role || dto.role === membership.role) return membershipView(membership);
    const role = dto.role;
    requireMayManage(actorRole, membership.role);
    requireMayManage(actorRole, role);
    const row = await this.unitOfWork.run(async (tx) => {
      await this.tenants.lock(tx, membership.tenant_id);
      if (membership.role === 'owner') await this.requireAnotherOwner(tx, membership);
      const updated = await this.memberships.update(tx, membership.tenant_id, id, { role });
      await this.audit.record(tx, { tenantId: membership.tenant_id, eventType: 'tenant_user.updated', resourceType: 'tenant_user', resourceId: id, old: membershipView(membership), new: membershipView(updated) });
      await this.keyOwners.enforce(tx, membership.user_id, membership.tenant_id);
      return updated;
    });
    await this.projector.flush();
    return membershipView(row);
  }

  /** Admins remove members they may manage; anyone may leave a tenant (but its last owner). */
  async remove(principal: Principal, id: string): Promise<void> {
    const leaving = await this.isOwnMembership(principal, id);
    const { membership, actorRole } = await this.load(principal, id, leaving ? 'viewer' : 'admin');
    if (!leaving) requireMayManage(actorRole, membership.role);
    await this.unitOfWork.run(async (tx) => {
      await this.tenants.lock(tx, membership.tenant_id);
      if (membership.role === 'owner') await this.requireAnotherOwner(tx, membership);
      await this.memberships.delete(tx, membership.tenant_id, id);
      await this.audit.record(tx, { tenantId: membership.tenant_id, eventType: 'tenant_user.deleted', resourceType: 'tenant_user', resourceId: id, old: membershipView(membership) });
      await this.webhookEvents.emit(tx, membership.tenant_id, 'member.removed', membershipView(membership));
      await this.keyOwners.enforce(tx, membership.user_id, membership.tenant_id);
    });
    await this.projector.flush();
  }

  private async load(principal: Principal, id: string, required: TenantRole): Promise<{ membership: MembershipRow; actorRole: TenantRole }> {
    const tenantId = isUuid(id) ? await this.memberships.tenantOf(id) : null;
    const { role } = await this.access.checkResource(principal, tenantId, required, 'Tenant user');
    const membership = await this.memberships.findById(tenantId as string, id);
    if (!membership) throw notFound('Tenant user');
    return { membership, actorRole: role };
  }

  private async isOwnMembership(principal: Principal, id: string): Promise<boolean> {
    const tenantId = isUuid(id) ? await this.memberships.tenantOf(id) : null;
    return principal.kind === 'user' && tenantId !== null && (await this.memberships.findById(tenantId, id))?.user_id === principal.userId;
  }

  private async requireAnotherOwner(tx: Transaction, membership: MembershipRow): Promise<void> {
    if ((await this.memberships.countByRole(membership.tenant_id, 'owner', tx)) <= 1) {
      throw new SluiceException('conflict', 'A tenant must keep at least one owner: make someone else owner first');
    }
  }

  /**
   * Whether an address is invited rather than added at once: always without
   * a password (whether or not an account has it), and for an existing
   * account unless a platform admin (trusted) attaches it. So a tenant admin
   * never attaches someone else's account without its consent.
   */
  private async needsInvitation(email: string, password: string | undefined, platformAdmin: boolean): Promise<boolean> {
    const existing = await this.users.findByEmail(email);
    if (existing) return !platformAdmin;
    return !password;
  }

  /**
   * The member's user. Platform admins (trusted) attach any account, by id or
   * email. Everyone else creates a new account from an email and a password
   * (an existing account is invited instead, see `needsInvitation`); a `user`
   * id is refused the same whether or not it exists.
   */
  private async userFor(tx: Transaction, dto: CreateMembershipDto, passwordHash: string | null, platformAdmin: boolean): Promise<string> {
    if (dto.user) {
      if (!platformAdmin) throw cannotAdd('user');
      const user = await this.users.findById(dto.user, tx);
      if (!user) throw new SluiceException('validation_error', 'No such user', { user: ['does not exist'] }, 'user');
      return user.id;
    }
    const email = dto.email as string;
    const existing = await this.users.findByEmail(email, tx);
    if (existing && platformAdmin) return existing.id;
    if (existing || !passwordHash) throw cannotAdd('email');
    return (await this.userAccounts.insert(tx, { email, passwordHash, firstName: dto.first_name, lastName: dto.last_name })).id;
  }
}

/** One answer for an unknown account without a password and for any existing account (see `userFor`). */
function cannotAdd(field: 'user' | 'email'): SluiceException {
  return new SluiceException(
    'validation_error',
    'Cannot add this user: a new account needs a password, and an existing account can join only by invitation',
    { [field]: ['a new account needs a password; an existing account can join only by invitation'] },
    field,
  );
}

function requireMayManage(actor: TenantRole, target: TenantRole): void {
  if (!mayManageRole(actor, target)) throw new SluiceException('forbidden', `A tenant ${actor} cannot grant or manage the ${target} role`);
}
