import { Injectable } from '@nestjs/common';
import { isUniqueViolation, TenantsRepository, UnitOfWork, type TenantChanges, type TenantRow, type Transaction } from '@sluice/control-plane/data-access';
import { SluiceException } from '@sluice/platform';
import { pageWindow } from '@sluice/platform/openapi';
import { AuditService } from '../audit/audit.service';
import { requirePlatformAdmin, type Principal } from '../auth/principal';
import { DEFAULT_TENANT_PLAN } from '../tenants/tenant-plans';
import { TenantQuotaSource } from '../tenants/tenant-quota-source';
import { Projector } from '../projection/projector';
import { TenantAccess } from '../auth/tenant-access';
import type { CreateTenantDto, ListTenantsQueryDto, UpdateTenantDto } from './dto/tenant.dto';
import type { TenantView } from './tenant-view';
import { WebhookOutbox } from '../webhooks/webhook-outbox';
import { tenantStatusEvent } from '../webhooks/webhook-payloads';

type Lifecycle = 'activate' | 'suspend' | 'restore';

/** Which states each lifecycle action starts from (docs/decisions.md, Tenant lifecycle); anything else is 409. */
const TRANSITIONS: Record<Lifecycle, { from: TenantRow['status'][]; event: string }> = {
  activate: { from: ['pending'], event: 'tenant.activated' },
  suspend: { from: ['active'], event: 'tenant.suspended' },
  restore: { from: ['suspended', 'deleted'], event: 'tenant.restored' },
};

const PLATFORM_ONLY_FIELDS = ['subscription_tier', 'quota', 'limits'] as const;

@Injectable()
export class TenantsService {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly access: TenantAccess,
    private readonly audit: AuditService,
    private readonly projector: Projector,
    private readonly quotaSource: TenantQuotaSource,
    private readonly webhookEvents: WebhookOutbox,
  ) {}

  async list(principal: Principal, query: ListTenantsQueryDto): Promise<{ count: number; results: TenantView[] }> {
    if (query.status === 'deleted' && !principal.isPlatformAdmin) return { count: 0, results: [] };
    const slice = await this.tenants.list(
      {
        memberUserId: principal.kind === 'user' && !principal.isPlatformAdmin ? principal.userId : undefined,
        tenantId: principal.kind === 'api_key' ? principal.tenantId : undefined,
        status: query.status,
        subscriptionTier: query.subscription_tier,
        search: query.search,
      },
      { ...pageWindow(query), ordering: query.ordering },
    );
    return { count: slice.count, results: await Promise.all(slice.rows.map((row) => this.quotaSource.view(row))) };
  }

  async get(principal: Principal, reference: string): Promise<TenantView> {
    return this.quotaSource.view((await this.access.authorize(principal, reference, 'viewer')).tenant);
  }

  /** Admin-created tenants start `pending` (docs/decisions.md, Tenant lifecycle). */
  async create(principal: Principal, dto: CreateTenantDto): Promise<TenantView> {
    requirePlatformAdmin(principal);
    if (dto.subscription_tier !== undefined) await this.quotaSource.requirePlan(dto.subscription_tier, 'subscription_tier');
    const tenant = await this.unitOfWork.run((tx) => this.insert(tx, dto, 'pending'));
    await this.projector.flush();
    return this.quotaSource.view(tenant);
  }

  /** Also used by registration, inside its own transaction. */
  async insert(tx: Transaction, dto: CreateTenantDto, status: 'pending' | 'active'): Promise<TenantRow> {
    try {
      const tenant = await this.tenants.create(tx, {
        name: dto.name,
        slug: dto.slug,
        status,
        domain: dto.domain,
        subscriptionTier: dto.subscription_tier ?? DEFAULT_TENANT_PLAN,
        contactEmail: dto.contact_email,
        contactName: dto.contact_name,
        contactPhone: phoneOf(dto),
        billingEmail: dto.billing_email,
        adminEmail: dto.admin_email,
        billingAddress: dto.billing_address,
        settings: dto.settings,
      });
      await this.audit.record(tx, { tenantId: tenant.id, eventType: 'tenant.created', resourceType: 'tenant', resourceId: tenant.id, new: await this.quotaSource.view(tenant, tx) });
      await this.projector.enqueue(tx, [{ kind: 'tenant', id: tenant.id }]);
      return tenant;
    } catch (error) {
      throw conflictOnDuplicate(error, dto);
    }
  }

  async update(principal: Principal, reference: string, dto: UpdateTenantDto): Promise<TenantView> {
    const { tenant } = await this.access.authorize(principal, reference, 'admin');
    const restricted = PLATFORM_ONLY_FIELDS.filter((field) => dto[field] !== undefined);
    if (restricted.length > 0 && !principal.isPlatformAdmin) {
      throw new SluiceException('forbidden', `Only a platform admin may change ${restricted.join(', ')}`, {}, restricted[0]);
    }
    if (dto.subscription_tier !== undefined) await this.quotaSource.requirePlan(dto.subscription_tier, 'subscription_tier');
    const changes: TenantChanges = {
      name: dto.name,
      domain: dto.domain,
      contact_email: dto.contact_email,
      contact_name: dto.contact_name,
      contact_phone: phoneOf(dto),
      billing_email: dto.billing_email,
      admin_email: dto.admin_email,
      billing_address: dto.billing_address,
      settings: dto.settings,
      subscription_tier: dto.subscription_tier,
      quota_overrides: dto.quota || dto.limits ? mergeOverrides(tenant.quota_overrides, { ...dto.quota, ...dto.limits }) : undefined,
    };
    return this.change(tenant, 'tenant.updated', changes, dto);
  }

  async transition(principal: Principal, reference: string, action: Lifecycle, reason?: string): Promise<TenantView> {
    const { tenant } = await this.access.authorize(principal, reference, 'viewer');
    requirePlatformAdmin(principal);
    const { from, event } = TRANSITIONS[action];
    if (!from.includes(tenant.status)) {
      throw new SluiceException('conflict', `Cannot ${action} tenant ${tenant.slug}: it is ${tenant.status}`, { status: tenant.status });
    }
    const now = new Date();
    const changes: TenantChanges =
      action === 'suspend'
        ? { status: 'suspended', suspended_at: now, suspension_reason: reason ?? '' }
        : { status: 'active', activated_at: tenant.activated_at ?? now, suspended_at: null, suspension_reason: '', deleted_at: null };
    return this.change(tenant, event, changes);
  }

  /** Soft delete (owner or platform admin): status `deleted`, data kept, restorable. */
  async remove(principal: Principal, reference: string): Promise<void> {
    const { tenant } = await this.access.authorize(principal, reference, 'owner');
    if (tenant.status === 'deleted') throw new SluiceException('conflict', `Tenant ${tenant.slug} is already deleted`);
    await this.change(tenant, 'tenant.deleted', { status: 'deleted', deleted_at: new Date() });
  }

  async quota(principal: Principal, reference: string): Promise<TenantView['quota']> {
    return (await this.get(principal, reference)).quota;
  }

  async resetQuota(principal: Principal, reference: string): Promise<TenantView['quota']> {
    const { tenant } = await this.access.authorize(principal, reference, 'viewer');
    requirePlatformAdmin(principal);
    return (await this.change(tenant, 'tenant.quota_reset', { last_reset_at: new Date() })).quota;
  }

  private async change(tenant: TenantRow, eventType: string, changes: TenantChanges, request?: UpdateTenantDto): Promise<TenantView> {
    try {
      const updated = await this.unitOfWork.run(async (tx) => {
        const row = await this.tenants.update(tx, tenant.id, changes);
        await this.audit.record(tx, { tenantId: tenant.id, eventType, resourceType: 'tenant', resourceId: tenant.id, old: await this.quotaSource.view(tenant, tx), new: await this.quotaSource.view(row, tx) });
        await this.projector.enqueue(tx, [{ kind: 'tenant', id: tenant.id }]);
        if (eventType === 'tenant.suspended' || eventType === 'tenant.restored') await this.webhookEvents.emit(tx, tenant.id, eventType, tenantStatusEvent(row));
        return row;
      });
      // After the commit: the gateway learns of a suspension or deletion within a second (docs/decisions.md, Tenant lifecycle).
      await this.projector.flush();
      return this.quotaSource.view(updated);
    } catch (error) {
      throw conflictOnDuplicate(error, request ?? {});
    }
  }
}

/** `phone` (the older billing API's name) names `contact_phone`: the two must agree when both are given. */
function phoneOf(dto: { contact_phone?: string; phone?: string }): string | undefined {
  if (dto.phone !== undefined && dto.contact_phone !== undefined && dto.phone !== dto.contact_phone) {
    throw new SluiceException('validation_error', 'phone and contact_phone name the same field and differ', { phone: ['must equal contact_phone when both are given'] }, 'phone');
  }
  return dto.contact_phone ?? dto.phone;
}

function mergeOverrides(current: Record<string, number | null>, changes: object): Record<string, number | null> {
  const merged: Record<string, number | null> = { ...current };
  for (const [field, value] of Object.entries(changes) as Array<[string, number | null | undefined]>) {
    if (value === null) delete merged[field];
    else if (value !== undefined) merged[field] = value;
  }
  return merged;
}

function conflictOnDuplicate(error: unknown, dto: { slug?: string; domain?: string }): unknown {
  if (isUniqueViolation(error, 'tenants_slug_key')) return new SluiceException('conflict', `A tenant with slug ${dto.slug} already exists`, {}, 'slug');
  if (isUniqueViolation(error, 'tenants_domain_key')) return new SluiceException('conflict', `A tenant with domain ${dto.domain} already exists`, {}, 'domain');
  return error;
}
