import { Injectable } from '@nestjs/common';
import { MembershipsRepository, type TenantRow, type Transaction, type UserRow } from '@sluice/control-plane/data-access';
import { AuditService } from '../audit/audit.service';
import { SIGNUP_PLAN } from '../tenants/tenant-plans';
import { TenantsService } from '../tenants/tenants.service';
import { UsersService } from '../users/users.service';
import { WebhookOutbox } from '../webhooks/webhook-outbox';
import type { RegisterDto } from './dto/auth.dto';

/** The rows of a sign-up, in the caller's transaction: the user, an active tenant on the sign-up plan, and the user as its owner. */
@Injectable()
export class TenantSignUp {
  constructor(
    private readonly userAccounts: UsersService,
    private readonly tenants: TenantsService,
    private readonly memberships: MembershipsRepository,
    private readonly audit: AuditService,
    private readonly webhookEvents: WebhookOutbox,
  ) {}

  async create(tx: Transaction, dto: RegisterDto, passwordHash: string, slug: string): Promise<{ user: UserRow; tenant: TenantRow }> {
    const user = await this.userAccounts.insert(tx, { email: dto.email, username: dto.username ?? null, passwordHash, firstName: dto.first_name, lastName: dto.last_name });
    const tenant = await this.tenants.insert(
      tx,
      { name: dto.tenant_name, slug, domain: dto.tenant_domain?.toLowerCase(), contact_email: dto.email, contact_name: `${dto.first_name} ${dto.last_name}`.trim(), subscription_tier: SIGNUP_PLAN },
      'active',
    );
    const membership = await this.memberships.create(tx, tenant.id, user.id, 'owner');
    await this.audit.record(tx, { tenantId: tenant.id, eventType: 'tenant_user.created', resourceType: 'tenant_user', resourceId: membership.id, new: { user_id: user.id, email: user.email, role: 'owner' } });
    await this.webhookEvents.emit(tx, tenant.id, 'user.registered', { user: user.id, email: user.email, first_name: user.first_name, last_name: user.last_name, tenant: tenant.id, role: 'owner' });
    return { user, tenant };
  }
}
