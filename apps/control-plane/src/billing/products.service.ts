import { Injectable } from '@nestjs/common';
import { BillingRepository, isUniqueViolation, PlansRepository, UnitOfWork, type PlanLimits, type PlanRow } from '@sluice/control-plane/data-access';
import { SluiceException } from '@sluice/platform';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { RESERVED_PLANS } from '../tenants/tenant-plans';
import { Projector } from '../projection/projector';
import type { CreateProductDto, UpdateProductDto } from './dto/product.dto';

/** Seed 003's product object: a plan seen through seed 003's field names. */
export interface ProductView {
  id: string;
  name: string;
  user_count: number | null;
  keys_per_user: number | null;
  total_key_count: number | null;
  service_key_count: number | null;
  max_budget_per_key: number | null;
  rpm_per_key: number | null;
  vector_db_count: number | null;
  vector_db_storage: string | null;
  renewal_period_days: number;
  active: boolean;
  billing_mode: PlanRow['billing_mode'];
  price_monthly_cents: number;
  created_at: string;
  updated_at: string;
}

export function productView(plan: PlanRow): ProductView {
  return {
    id: plan.id,
    name: plan.name,
    user_count: plan.limits.max_users ?? null,
    keys_per_user: plan.limits.keys_per_user ?? null,
    total_key_count: plan.limits.max_keys ?? null,
    service_key_count: plan.limits.service_key_count ?? null,
    max_budget_per_key: plan.limits.max_budget_per_key ?? null,
    rpm_per_key: plan.limits.rpm_per_key ?? null,
    vector_db_count: plan.extras.vector_db_count ?? null,
    vector_db_storage: plan.extras.vector_db_storage ?? null,
    renewal_period_days: plan.period_days,
    active: plan.active,
    billing_mode: plan.billing_mode,
    price_monthly_cents: Number(plan.price_monthly_cents),
    created_at: plan.created_at.toISOString(),
    updated_at: plan.updated_at.toISOString(),
  };
}

/** Only the fields the request carries: undefined leaves a limit as it is, null clears it. */
function limitsOf(dto: UpdateProductDto): PlanLimits {
  const limits: PlanLimits = {
    max_users: dto.user_count,
    keys_per_user: dto.keys_per_user,
    max_keys: dto.total_key_count,
    service_key_count: dto.service_key_count,
    max_budget_per_key: dto.max_budget_per_key,
    rpm_per_key: dto.rpm_per_key,
  };
  return Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined));
}

function extrasOf(dto: UpdateProductDto): PlanRow['extras'] {
  return Object.fromEntries(
    Object.entries({ vector_db_count: dto.vector_db_count, vector_db_storage: dto.vector_db_storage }).filter(([, value]) => value !== undefined),
  );
}

/** `/api/products/` (platform admin): create, read, change and delete plans with seed 003's fields. */
@Injectable()
export class ProductsService {
  constructor(
    private readonly plans: PlansRepository,
    private readonly billing: BillingRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: AuditService,
    private readonly projector: Projector,
  ) {}

  async list(principal: Principal): Promise<ProductView[]> {
    requirePlatformAdmin(principal);
    return (await this.plans.list()).map(productView);
  }

  async get(principal: Principal, id: string): Promise<ProductView> {
    requirePlatformAdmin(principal);
    return productView(await this.find(id));
  }

  async create(principal: Principal, dto: CreateProductDto): Promise<ProductView> {
    requirePlatformAdmin(principal);
    try {
      const row = await this.unitOfWork.run(async (tx) => {
        const plan = await this.plans.create(tx, {
          id: dto.id,
          name: dto.name,
          billing_mode: dto.billing_mode ?? 'postpaid',
          price_monthly_cents: dto.price_monthly_cents ?? 0,
          period_days: dto.renewal_period_days ?? 30,
          limits: limitsOf(dto),
          allowed_models: null,
          entitlements: {},
          active: dto.active ?? true,
          extras: extrasOf(dto),
        });
        await this.audit.record(tx, { tenantId: null, eventType: 'plan.created', resourceType: 'plan', resourceId: plan.id, new: productView(plan) });
        return plan;
      });
      return productView(row);
    } catch (error) {
      if (isUniqueViolation(error)) throw new SluiceException('conflict', `A product (plan) with id ${dto.id} already exists`, {}, 'id');
      throw error;
    }
  }

  /** Changes the fields given; the plan's tenants get the new limits in the projection. */
  async update(principal: Principal, id: string, dto: UpdateProductDto): Promise<ProductView> {
    requirePlatformAdmin(principal);
    const current = await this.find(id);
    const row = await this.unitOfWork.run(async (tx) => {
      const plan = await this.plans.update(tx, id, {
        name: dto.name,
        billing_mode: dto.billing_mode,
        price_monthly_cents: dto.price_monthly_cents,
        period_days: dto.renewal_period_days,
        limits: { ...current.limits, ...limitsOf(dto) },
        active: dto.active,
        extras: { ...current.extras, ...extrasOf(dto) },
      });
      await this.audit.record(tx, { tenantId: null, eventType: 'plan.updated', resourceType: 'plan', resourceId: id, old: productView(current), new: productView(plan) });
      return plan;
    });
    await this.projector.reconcile().catch(() => undefined);
    return productView(row);
  }

  async remove(principal: Principal, id: string): Promise<void> {
    requirePlatformAdmin(principal);
    const plan = await this.find(id);
    if (RESERVED_PLANS.includes(id)) throw new SluiceException('conflict', `Plan ${id} is the plan new tenants get and cannot be deleted`, {});
    await this.unitOfWork.run(async (tx) => {
      const users = await this.plans.tenantCount(id, tx);
      if (users > 0) throw new SluiceException('conflict', `Product ${id} is the plan of ${users} tenant(s): set active to false to retire it`, { tenants: users });
      await this.plans.remove(tx, id);
      await this.audit.record(tx, { tenantId: null, eventType: 'plan.deleted', resourceType: 'plan', resourceId: id, old: productView(plan) });
    });
  }

  async pricingTable(principal: Principal): Promise<{ pricing_table_id: string | null }> {
    requirePlatformAdmin(principal);
    return { pricing_table_id: await this.billing.setting('pricing_table_id') };
  }

  async setPricingTable(principal: Principal, pricingTableId: string | null): Promise<{ pricing_table_id: string | null }> {
    requirePlatformAdmin(principal);
    await this.unitOfWork.run(async (tx) => {
      const old = await this.billing.setting('pricing_table_id', tx);
      await this.billing.setSetting(tx, 'pricing_table_id', pricingTableId);
      await this.audit.record(tx, { tenantId: null, eventType: 'billing.pricing_table_updated', resourceType: 'billing_setting', resourceId: 'pricing_table_id', old: { pricing_table_id: old }, new: { pricing_table_id: pricingTableId } });
    });
    return { pricing_table_id: pricingTableId };
  }

  private async find(id: string): Promise<PlanRow> {
    const plan = await this.plans.findById(id);
    if (!plan) throw new SluiceException('not_found', `No product ${id}`);
    return plan;
  }
}

function requirePlatformAdmin(principal: Principal): void {
  if (!principal.isPlatformAdmin) throw new SluiceException('forbidden', 'This needs a platform admin');
}
