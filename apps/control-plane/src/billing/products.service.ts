import { Injectable } from '@nestjs/common';
import { BillingRepository, UnitOfWork, type PlanLimits, type PlanRow } from '@sluice/control-plane/data-access';
import { AuditService } from '../audit/audit.service';
import { requirePlatformAdmin, type Principal } from '../auth/principal';
import { PlansService } from '../plans/plans.service';
import type { CreateProductDto, UpdateProductDto } from './dto/product.dto';

/** A product of the older team-based billing API: a plan seen through that API's field names (docs/billing.md, "Products"). */
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

/**
 * `/api/products/` (platform admin): plans under the older team-based billing
 * API's field names. The fields are mapped here; creating, changing and
 * deleting is the plans feature's (PlansService), with its rules and audit.
 */
@Injectable()
export class ProductsService {
  constructor(
    private readonly plans: PlansService,
    private readonly billing: BillingRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: AuditService,
  ) {}

  async list(principal: Principal): Promise<ProductView[]> {
    requirePlatformAdmin(principal);
    return (await this.plans.rows()).map(productView);
  }

  async get(principal: Principal, id: string): Promise<ProductView> {
    requirePlatformAdmin(principal);
    return productView(await this.plans.findRow(id));
  }

  async create(principal: Principal, dto: CreateProductDto): Promise<ProductView> {
    const plan = await this.plans.createRow(principal, {
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
    return productView(plan);
  }

  /** Changes the fields given; the plan's tenants get the new limits in the projection. */
  async update(principal: Principal, id: string, dto: UpdateProductDto): Promise<ProductView> {
    const plan = await this.plans.updateRow(principal, id, (current) => ({
      name: dto.name,
      billing_mode: dto.billing_mode,
      price_monthly_cents: dto.price_monthly_cents,
      period_days: dto.renewal_period_days,
      limits: { ...current.limits, ...limitsOf(dto) },
      active: dto.active,
      extras: { ...current.extras, ...extrasOf(dto) },
    }));
    return productView(plan);
  }

  remove(principal: Principal, id: string): Promise<void> {
    return this.plans.remove(principal, id);
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
}
