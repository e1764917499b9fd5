import { Inject, Injectable } from '@nestjs/common';
import { generateOpaqueToken, hashApiKey, isOpaqueToken, mayManageRole, type TenantRole } from '@sluice/auth';
import {
  InvitationsRepository,
  isUniqueViolation,
  MembershipsRepository,
  TenantsRepository,
  UnitOfWork,
  UsersRepository,
  type InvitationRow,
  type TenantRow,
  type Transaction,
} from '@sluice/control-plane/data-access';
import { isUuid } from '@sluice/contracts';
import { SluiceException } from '@sluice/platform';
import { pageWindow } from '@sluice/platform/openapi';
import { loginResponse, type LoginResponse } from '../account/account-views';
import { AuditService } from '../audit/audit.service';
import { Passwords } from '../auth/passwords';
import { userIdOf, type Principal } from '../auth/principal';
import { Sessions } from '../auth/sessions';
import { notFound, TenantAccess } from '../auth/tenant-access';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { Mailer } from '../mail/mailer';
import { Projector } from '../projection/projector';
import { TenantQuotaSource } from '../tenants/tenant-quota-source';
import { UsersService } from '../users/users.service';
import { WebhookOutbox } from '../webhooks/webhook-outbox';
import type { AcceptInvitationDto, ListInvitationsQueryDto } from './dto/invitation.dto';
import { invitationStatus, invitationView, type InvitationView } from './invitation-view';
import { membershipView } from './membership-view';

export const INVITATION_TTL_DAYS = 7;

type Headers = Record<string, string | string[] | undefined>;

/**
 * Invitations (docs/decisions.md, Membership by email): a tenant admin adds
 * an address, the address gets a single-use token by mail (kept as SHA-256
 * only, valid 7 days), and whoever holds the token accepts with a password:
 * a new account is created, or an existing one proves its password. Used,
 * revoked and expired tokens answer 410.
 */
@Injectable()
export class InvitationsService {
  constructor(
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    private readonly invitations: InvitationsRepository,
    private readonly memberships: MembershipsRepository,
    private readonly tenants: TenantsRepository,
    private readonly users: UsersRepository,
    private readonly userAccounts: UsersService,
    private readonly passwords: Passwords,
    private readonly sessions: Sessions,
    private readonly unitOfWork: UnitOfWork,
    private readonly access: TenantAccess,
    private readonly audit: AuditService,
    private readonly quotas: TenantQuotaSource,
    private readonly webhookEvents: WebhookOutbox,
    private readonly projector: Projector,
    private readonly mailer: Mailer,
  ) {}

  /**
   * Invites an address (or renews its pending invitation, with a new token)
   * and mails it. The answer does not depend on whether an account has the
   * address. Called by `POST /api/tenant-users/` once the caller may grant the role.
   */
  async invite(principal: Principal, tenant: TenantRow, email: string, role: TenantRole): Promise<InvitationView> {
    this.mailer.requireConfigured();
    const token = generateOpaqueToken('invitation');
    const save = () =>
      this.unitOfWork.run(async (tx) => {
        const pending = await this.invitations.findPendingForUpdate(tx, tenant.id, email);
        const saved = pending
          ? await this.invitations.renew(tx, pending.id, token.hash, expiry(), role)
          : await this.invitations.create(tx, { tenantId: tenant.id, email, role, tokenHash: token.hash, invitedBy: userIdOf(principal), expiresAt: expiry() });
        await this.audit.record(tx, { tenantId: tenant.id, eventType: pending ? 'invitation.resent' : 'invitation.created', resourceType: 'invitation', resourceId: saved.id, new: invitationView(saved) });
        return saved;
      });
    // Two requests inviting the same address at once: the one that loses the insert renews the other's invitation.
    const row = await save().catch((error: unknown) => {
      if (isUniqueViolation(error, 'invitations_pending_once')) return save();
      throw error;
    });
    await this.mail(row, tenant, token.secret);
    return invitationView(row);
  }

  async list(principal: Principal, query: ListInvitationsQueryDto, headers: Headers): Promise<{ count: number; results: InvitationView[] }> {
    const { tenant } = await this.access.resolve(principal, query.tenant, headers, 'admin');
    const slice = await this.invitations.list(tenant.id, pageWindow(query));
    return { count: slice.count, results: slice.rows.map(invitationView) };
  }

  /** A new token and seven more days; the old token stops working. */
  async resend(principal: Principal, id: string): Promise<InvitationView> {
    this.mailer.requireConfigured();
    const { invitation, tenant } = await this.load(principal, id);
    const token = generateOpaqueToken('invitation');
    const row = await this.unitOfWork.run(async (tx) => {
      const current = await this.lockPending(tx, invitation);
      const renewed = await this.invitations.renew(tx, current.id, token.hash, expiry());
      await this.audit.record(tx, { tenantId: tenant.id, eventType: 'invitation.resent', resourceType: 'invitation', resourceId: id, new: invitationView(renewed) });
      return renewed;
    });
    await this.mail(row, tenant, token.secret);
    return invitationView(row);
  }

  async revoke(principal: Principal, id: string): Promise<void> {
    const { invitation, tenant } = await this.load(principal, id);
    await this.unitOfWork.run(async (tx) => {
      const current = await this.lockPending(tx, invitation);
      const revoked = await this.invitations.revoke(tx, current.id);
      await this.audit.record(tx, { tenantId: tenant.id, eventType: 'invitation.revoked', resourceType: 'invitation', resourceId: id, old: invitationView(current), new: invitationView(revoked) });
    });
  }

  /** Creates (or proves) the account and the membership, and signs the user in. */
  async accept(token: string, dto: AcceptInvitationDto): Promise<LoginResponse & { tenant: { id: string; slug: string; name: string } }> {
    if (!isOpaqueToken('invitation', token)) throw notFound('Invitation');
    const { pair, user, tenant } = await this.unitOfWork.run(async (tx) => {
      const invitation = await this.invitations.findByTokenHashForUpdate(tx, hashApiKey(token));
      if (!invitation) throw notFound('Invitation');
      if (invitationStatus(invitation) !== 'pending') throw gone(invitation);
      const tenant = await this.tenants.lock(tx, invitation.tenant_id).then(() => this.tenants.findById(invitation.tenant_id, tx));
      if (!tenant || tenant.status === 'deleted') throw gone(invitation);
      const maxUsers = (await this.quotas.limits(tenant, tx)).max_users;
      if ((await this.memberships.countMembers(tenant.id, tx)) >= maxUsers) {
        throw new SluiceException('user_limit_reached', `Tenant ${tenant.slug} has reached its limit of ${maxUsers} users`, { max_users: maxUsers });
      }
      const existing = await this.users.findByEmail(invitation.email, tx);
      let user = existing;
      if (existing) {
        if (!existing.is_active || !(await this.passwords.verify(existing.password_hash, dto.password))) {
          throw new SluiceException('unauthorized', 'An account already has this address: accept with its password');
        }
      } else {
        user = await this.userAccounts.insert(tx, { email: invitation.email, passwordHash: await this.passwords.hash(dto.password), firstName: dto.first_name, lastName: dto.last_name });
      }
      const member = user as NonNullable<typeof user>;
      const membership = await this.memberships.create(tx, tenant.id, member.id, invitation.role).catch((error: unknown) => {
        throw isUniqueViolation(error, 'tenant_users_once') ? new SluiceException('conflict', 'You are already a member of this tenant') : error;
      });
      const accepted = await this.invitations.markAccepted(tx, invitation.id, member.id);
      await this.audit.record(tx, { tenantId: tenant.id, eventType: 'invitation.accepted', resourceType: 'invitation', resourceId: invitation.id, old: invitationView(invitation), new: invitationView(accepted) });
      await this.audit.record(tx, { tenantId: tenant.id, eventType: 'tenant_user.created', resourceType: 'tenant_user', resourceId: membership.id, new: { user_id: member.id, email: member.email, role: membership.role } });
      if (!existing) await this.webhookEvents.emit(tx, tenant.id, 'user.registered', { user: member.id, email: member.email, first_name: member.first_name, last_name: member.last_name, tenant: tenant.id, role: membership.role });
      await this.webhookEvents.emit(tx, tenant.id, 'member.added', membershipView(membership));
      return { pair: await this.sessions.start(tx, member), user: member, tenant };
    });
    await this.projector.flush();
    return { ...loginResponse(pair, user), tenant: { id: tenant.id, slug: tenant.slug, name: tenant.name } };
  }

  private async load(principal: Principal, id: string): Promise<{ invitation: InvitationRow; tenant: TenantRow }> {
    const invitation = isUuid(id) ? await this.invitations.findById(id) : null;
    const { tenant, role } = await this.access.checkResource(principal, invitation?.tenant_id ?? null, 'admin', 'Invitation');
    const row = invitation as InvitationRow;
    if (!mayManageRole(role, row.role)) throw new SluiceException('forbidden', `A tenant ${role} cannot manage invitations for the ${row.role} role`);
    return { invitation: row, tenant };
  }

  private async lockPending(tx: Transaction, invitation: InvitationRow): Promise<InvitationRow> {
    const current = await this.invitations.findPendingForUpdate(tx, invitation.tenant_id, invitation.email);
    if (!current || current.id !== invitation.id) throw new SluiceException('conflict', `This invitation is ${invitationStatus(invitation)}, no longer pending`);
    return current;
  }

  private async mail(row: InvitationRow, tenant: TenantRow, token: string): Promise<void> {
    const base = this.config.publicBaseUrl ?? `http://127.0.0.1:${this.config.port}`;
    await this.mailer
      .send('invitation', row.email, { tenantName: tenant.name, role: row.role, token, acceptUrl: `${base}/api/auth/invitations/${token}/accept/`, days: INVITATION_TTL_DAYS })
      .catch(() => {
        throw new SluiceException('service_unavailable', 'The invitation is saved but could not be mailed: resend it shortly');
      });
  }
}

function expiry(): Date {
  return new Date(Date.now() + INVITATION_TTL_DAYS * 86_400_000);
}

function gone(invitation: InvitationRow): SluiceException {
  return new SluiceException('gone', `This invitation is ${invitationStatus(invitation)}: ask for a new one`);
}
