import { Injectable } from '@nestjs/common';
import { isUniqueViolation, PlansRepository, TenantsRepository, UnitOfWork, type NewPlan, type PlanChanges, type PlanLimits, type PlanRow } from '@sluice/control-plane/data-access';
import { SluiceException } from '@sluice/platform';
import { AuditService } from '../audit/audit.service';
import { requirePlatformAdmin, type Principal } from '../auth/principal';
import { Projector } from '../projection/projector';
import { TenantAccess } from '../auth/tenant-access';
import type { TenantView } from '../tenants/tenant-view';
import type { CreatePlanDto, PlanLimitsDto, UpdatePlanDto } from './dto/plan.dto';
import { PLAN_LIMIT_FIELDS, planView, type PlanView } from './plan-view';
import { RESERVED_PLANS } from '../tenants/tenant-plans';
import { TenantQuotaSource } from '../tenants/tenant-quota-source';

export interface EntitlementsView {
  tenant: string;
  plan: string;
  entitlements: Record<string, boolean | number>;
}

export interface EntitlementView {
  tenant: string;
  plan: string;
  feature: string;
  /** Whether the plan grants it: true, or a number above zero. */
  entitled: boolean;
  /** The plan's value; null when the plan does not mention the feature. */
  value: boolean | number | null;
}

/** Plans (docs/limits.md, Plans): anyone signed in reads them, platform admins write and assign them. */
@Injectable()
export class PlansService {
  constructor(
    private readonly plans: PlansRepository,
    private readonly tenants: TenantsRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly access: TenantAccess,
    private readonly audit: AuditService,
    private readonly quota: TenantQuotaSource,
    private readonly projector: Projector,
  ) {}

  async list(): Promise<PlanView[]> {
    return (await this.plans.list()).map(planView);
  }

  /** Every plan as stored, for the views other features draw of them. */
  rows(): Promise<PlanRow[]> {
    return this.plans.list();
  }

  async get(id: string): Promise<PlanView> {
    return planView(await this.find(id));
  }

  async create(principal: Principal, dto: CreatePlanDto): Promise<PlanView> {
    const row = await this.createRow(principal, {
      id: dto.id,
      name: dto.name,
      billing_mode: dto.billing_mode ?? 'postpaid',
      price_monthly_cents: dto.price_monthly_cents ?? 0,
      period_days: dto.period_days ?? 30,
      limits: limitsOf(dto.limits),
      allowed_models: dto.allowed_models ?? null,
      entitlements: dto.entitlements ?? {},
    });
    return planView(row);
  }

  /** `limits` merge field by field (null clears one); the plan's tenants get the new limits in the projection. */
  async update(principal: Principal, id: string, dto: UpdatePlanDto): Promise<PlanView> {
    const row = await this.updateRow(principal, id, (current) => ({
      name: dto.name,
      billing_mode: dto.billing_mode,
      price_monthly_cents: dto.price_monthly_cents,
      period_days: dto.period_days,
      limits: dto.limits ? { ...current.limits, ...limitsOf(dto.limits) } : undefined,
      allowed_models: dto.allowed_models,
      entitlements: dto.entitlements,
    }));
    return planView(row);
  }

  /**
   * Creates a plan from its own fields, audited. Every way of writing plans
   * (these routes, the products routes) maps its fields onto these and comes
   * here, so the rules are in one place.
   */
  async createRow(principal: Principal, fields: NewPlan): Promise<PlanRow> {
    requirePlatformAdmin(principal);
    try {
      return await this.unitOfWork.run(async (tx) => {
        const row = await this.plans.create(tx, fields);
        await this.audit.record(tx, { tenantId: null, eventType: 'plan.created', resourceType: 'plan', resourceId: row.id, new: planView(row) });
        return row;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new SluiceException('conflict', `A plan with id ${fields.id} already exists`, {}, 'id');
      throw error;
    }
  }

  /** Applies `changes(current)` to the plan, audited; every tenant's projection record then carries the new limits. */
  async updateRow(principal: Principal, id: string, changes: (current: PlanRow) => PlanChanges): Promise<PlanRow> {
    requirePlatformAdmin(principal);
    const current = await this.find(id);
    const updated = await this.unitOfWork.run(async (tx) => {
      const row = await this.plans.update(tx, id, changes(current));
      await this.audit.record(tx, { tenantId: null, eventType: 'plan.updated', resourceType: 'plan', resourceId: id, old: planView(current), new: planView(row) });
      return row;
    });
    // Every tenant's record carries its plan's limits: rebuild them all (the reconcile is idempotent and cheap).
    await this.projector.reconcile().catch(() => undefined);
    return updated;
  }

  async remove(principal: Principal, id: string): Promise<void> {
    requirePlatformAdmin(principal);
    const plan = await this.find(id);
    if (RESERVED_PLANS.includes(id)) throw new SluiceException('conflict', `Plan ${id} is the plan new tenants get and cannot be deleted`, {});
    await this.unitOfWork.run(async (tx) => {
      const users = await this.plans.tenantCount(id, tx);
      if (users > 0) throw new SluiceException('conflict', `Plan ${id} is assigned to ${users} tenant(s): set it inactive to retire it`, { tenants: users });
      await this.plans.remove(tx, id);
      await this.audit.record(tx, { tenantId: null, eventType: 'plan.deleted', resourceType: 'plan', resourceId: id, old: planView(plan) });
    });
  }

  /** The plan, or 404. */
  async findRow(id: string): Promise<PlanRow> {
    return this.find(id);
  }

  /** `POST /api/tenants/{slug}/plan/`: the tenant's `subscription_tier`; its quota limits follow at once. */
  async assign(principal: Principal, reference: string, planId: string): Promise<TenantView> {
    const { tenant } = await this.access.authorize(principal, reference, 'viewer');
    requirePlatformAdmin(principal);
    await this.quota.requirePlan(planId);
    const updated = await this.unitOfWork.run(async (tx) => {
      const row = await this.tenants.update(tx, tenant.id, { subscription_tier: planId });
      await this.audit.record(tx, {
        tenantId: tenant.id,
        eventType: 'tenant.plan_changed',
        resourceType: 'tenant',
        resourceId: tenant.id,
        old: { subscription_tier: tenant.subscription_tier },
        new: { subscription_tier: planId },
      });
      await this.projector.enqueue(tx, [{ kind: 'tenant', id: tenant.id }]);
      return row;
    });
    await this.projector.flush();
    return this.quota.view(updated);
  }

  async entitlements(principal: Principal, reference: string, feature?: string): Promise<EntitlementsView | EntitlementView> {
    const { tenant } = await this.access.authorize(principal, reference, 'viewer');
    const plan = await this.plans.findById(tenant.subscription_tier);
    const entitlements = plan?.entitlements ?? {};
    if (feature === undefined) return { tenant: tenant.slug, plan: tenant.subscription_tier, entitlements };
    const value = Object.prototype.hasOwnProperty.call(entitlements, feature) ? entitlements[feature] : null;
    return { tenant: tenant.slug, plan: tenant.subscription_tier, feature, entitled: value === true || (typeof value === 'number' && value > 0), value };
  }

  private async find(id: string): Promise<PlanRow> {
    const plan = await this.plans.findById(id);
    if (!plan) throw new SluiceException('not_found', `Plan ${id} not found`);
    return plan;
  }
}

function limitsOf(dto: PlanLimitsDto | undefined): PlanLimits {
  const limits: PlanLimits = {};
  for (const field of PLAN_LIMIT_FIELDS) if (dto?.[field] !== undefined) limits[field] = dto[field];
  return limits;
}
