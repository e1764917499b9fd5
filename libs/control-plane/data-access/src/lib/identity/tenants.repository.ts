import { isUuid } from '@sluice/contracts';
import type { DataSource } from 'typeorm';
import { likePattern, listSlice, orderBy, query, queryOne, type ListWindow, type Reader, type Slice } from '../sql';
import type { Transaction } from '../unit-of-work';

export type TenantStatus = 'pending' | 'active' | 'suspended' | 'deleted';

export interface TenantRow {
  id: string;
  name: string;
  slug: string;
  domain: string | null;
  status: TenantStatus;
  subscription_tier: string;
  contact_email: string;
  contact_name: string;
  contact_phone: string;
  billing_email: string;
  settings: Record<string, unknown>;
  quota_overrides: Record<string, number | null>;
  activated_at: Date | null;
  suspended_at: Date | null;
  suspension_reason: string;
  deleted_at: Date | null;
  last_reset_at: Date;
  /** Billing (docs/billing.md): written by the billing feature from Stripe's webhooks, read-only elsewhere. */
  stripe_customer_id: string | null;
  stripe_subscription_id: string | null;
  last_payment: Date | null;
  billing_status: 'current' | 'past_due';
  past_due_since: Date | null;
  /** The older team-based billing API's billing contact (with `contact_phone` as its `phone`; docs/billing.md). */
  admin_email: string;
  billing_address: string;
  created_at: Date;
  updated_at: Date;
  /** Members, counted with the row. */
  user_count: number;
}

export interface NewTenant {
  name: string;
  slug: string;
  status: TenantStatus;
  domain?: string | null;
  subscriptionTier?: string;
  contactEmail?: string;
  contactName?: string;
  contactPhone?: string;
  billingEmail?: string;
  adminEmail?: string;
  billingAddress?: string;
  settings?: Record<string, unknown>;
}

export type TenantChanges = Partial<
  Pick<
    TenantRow,
    | 'name'
    | 'domain'
    | 'status'
    | 'subscription_tier'
    | 'contact_email'
    | 'contact_name'
    | 'contact_phone'
    | 'billing_email'
    | 'admin_email'
    | 'billing_address'
    | 'settings'
    | 'quota_overrides'
    | 'activated_at'
    | 'suspended_at'
    | 'suspension_reason'
    | 'deleted_at'
    | 'last_reset_at'
  >
>;

export interface TenantFilters {
  /** Only tenants where this user has a role (absent: every tenant, for platform admins). */
  memberUserId?: string;
  /** Only this tenant (an API key sees its own). */
  tenantId?: string;
  status?: TenantStatus;
  subscriptionTier?: string;
  search?: string;
}

export const TENANT_ORDERING = ['name', 'slug', 'status', 'created_at', 'updated_at'] as const;

const SELECT = `SELECT t.*, (SELECT count(*)::int FROM tenant_users tu WHERE tu.tenant_id = t.id) AS user_count FROM tenants t`;
const JSON_COLUMNS = new Set(['settings', 'quota_overrides']);

export class TenantsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(tx: Transaction, tenant: NewTenant): Promise<TenantRow> {
    const inserted = await queryOne<{ id: string }>(
      tx,
      `INSERT INTO tenants (name, slug, domain, status, subscription_tier, contact_email, contact_name, contact_phone,
         billing_email, settings, admin_email, billing_address, activated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, CASE WHEN $4::varchar = 'active' THEN now() END) RETURNING id`,
      [
        tenant.name,
        tenant.slug,
        tenant.domain || null,
        tenant.status,
        tenant.subscriptionTier ?? 'basic',
        tenant.contactEmail ?? '',
        tenant.contactName ?? '',
        tenant.contactPhone ?? '',
        tenant.billingEmail ?? '',
        JSON.stringify(tenant.settings ?? {}),
        tenant.adminEmail ?? '',
        tenant.billingAddress ?? '',
      ],
    );
    return (await this.findById((inserted as { id: string }).id, tx)) as TenantRow;
  }

  findById(id: string, db: Reader = this.dataSource): Promise<TenantRow | null> {
    return queryOne<TenantRow>(db, `${SELECT} WHERE t.id = $1`, [id]);
  }

  /** The tenants of these ids that exist, in one query. */
  findByIds(ids: readonly string[], db: Reader = this.dataSource): Promise<TenantRow[]> {
    return query<TenantRow>(db, `${SELECT} WHERE t.id = ANY($1::uuid[])`, [ids]);
  }

  /** By id or slug, as the `/api/tenants/{slug}/` routes accept either. */
  findByIdOrSlug(idOrSlug: string, db: Reader = this.dataSource): Promise<TenantRow | null> {
    return isUuid(idOrSlug)
      ? queryOne<TenantRow>(db, `${SELECT} WHERE t.id = $1 OR t.slug = $2`, [idOrSlug, idOrSlug])
      : queryOne<TenantRow>(db, `${SELECT} WHERE t.slug = $1`, [idOrSlug]);
  }

  /** By id, slug or domain: how the `tenant` field and `X-Tenant` header may name one. */
  findByReference(reference: string, db: Reader = this.dataSource): Promise<TenantRow | null> {
    return isUuid(reference)
      ? this.findByIdOrSlug(reference, db)
      : queryOne<TenantRow>(db, `${SELECT} WHERE t.slug = $1 OR t.domain = $1 ORDER BY (t.slug = $1) DESC LIMIT 1`, [reference]);
  }

  /** Locks the tenant's row until the transaction ends: membership checks that count rows serialise on it. */
  async lock(tx: Transaction, id: string): Promise<TenantRow | null> {
    await queryOne(tx, 'SELECT id FROM tenants WHERE id = $1 FOR UPDATE', [id]);
    return this.findById(id, tx);
  }

  list(filters: TenantFilters, window: ListWindow): Promise<Slice<TenantRow>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filters.memberUserId) {
      params.push(filters.memberUserId);
      where.push(`t.id IN (SELECT tenant_id FROM tenant_users WHERE user_id = $${params.length})`);
    }
    if (filters.tenantId) {
      params.push(filters.tenantId);
      where.push(`t.id = $${params.length}`);
    }
    if (filters.status) {
      params.push(filters.status);
      where.push(`t.status = $${params.length}`);
    } else {
      where.push(`t.status <> 'deleted'`);
    }
    if (filters.subscriptionTier) {
      params.push(filters.subscriptionTier);
      where.push(`t.subscription_tier = $${params.length}`);
    }
    if (filters.search) {
      params.push(likePattern(filters.search));
      const n = params.length;
      where.push(`(t.name ILIKE $${n} OR t.slug::text ILIKE $${n} OR t.contact_email ILIKE $${n} OR t.domain::text ILIKE $${n})`);
    }
    return listSlice(
      this.dataSource,
      'tenants t',
      where,
      params,
      window,
      orderBy(window.ordering, TENANT_ORDERING, 'name'),
      `t.*, (SELECT count(*)::int FROM tenant_users tu WHERE tu.tenant_id = t.id) AS user_count`,
    );
  }

  async update(tx: Transaction, id: string, changes: TenantChanges): Promise<TenantRow> {
    const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
    if (entries.length > 0) {
      const sets = entries.map(([column], i) => `${column} = $${i + 2}`);
      await queryOne(tx, `UPDATE tenants SET ${sets.join(', ')}, updated_at = now() WHERE id = $1`, [
        id,
        ...entries.map(([column, value]) => (JSON_COLUMNS.has(column) ? JSON.stringify(value) : value)),
      ]);
    }
    return (await this.findById(id, tx)) as TenantRow;
  }
}
