import { Injectable } from '@nestjs/common';
import type { TenantRole } from '@sluice/auth';
import { isUuid } from '@sluice/contracts';
import { isUniqueViolation, UnitOfWork, type Transaction } from '@sluice/control-plane/data-access';
import { SluiceException } from '@sluice/platform';
import { pageWindow } from '@sluice/platform/openapi';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { notFound, TenantAccess } from '../auth/tenant-access';
import type { CreateProviderDto, ListProvidersQueryDto, UpdateProviderDto } from './dto/provider.dto';
import { ProviderSecrets } from './provider-secrets';
import { ProvidersRepository, type AuthType, type ProviderRow } from './providers.repository';

type Headers = Record<string, string | string[] | undefined>;

export interface ProviderView {
  id: string;
  tenant: string;
  name: string;
  webhook_url: string | null;
  api_base_url: string | null;
  auth_type: AuthType;
  has_secret: boolean;
  is_active: boolean;
  map_users: boolean;
  allowed_ips: string[];
  rate_limit_per_minute: number | null;
  created_at: string;
  updated_at: string;
}

/** A tenant's integration providers (docs/integrations.md): admins manage them, members and viewers read them. */
@Injectable()
export class ProvidersService {
  constructor(
    private readonly providers: ProvidersRepository,
    private readonly secrets: ProviderSecrets,
    private readonly unitOfWork: UnitOfWork,
    private readonly access: TenantAccess,
    private readonly audit: AuditService,
  ) {}

  async list(principal: Principal, query: ListProvidersQueryDto, headers: Headers): Promise<{ count: number; results: ProviderView[] }> {
    const tenantIds = await this.access.visibleTenantIds(principal, query.tenant, headers);
    const slice = await this.providers.list(tenantIds, { ...pageWindow(query), ordering: query.ordering });
    return { count: slice.count, results: slice.rows.map(providerView) };
  }

  async get(principal: Principal, id: string): Promise<ProviderView> {
    return providerView(await this.load(principal, id, 'viewer'));
  }

  async create(principal: Principal, dto: CreateProviderDto, headers: Headers): Promise<ProviderView> {
    const { tenant } = await this.access.resolve(principal, dto.tenant, headers, 'admin');
    return providerView(
      await this.write(dto.name, async (tx) => {
        const created = await this.providers.create(tx, tenant.id, {
          name: dto.name,
          webhook_url: dto.webhook_url ?? null,
          api_base_url: dto.api_base_url ?? null,
          auth_type: dto.auth_type ?? 'none',
          is_active: dto.is_active ?? true,
          map_users: dto.map_users ?? false,
          allowed_ips: dto.allowed_ips ?? [],
          rate_limit_per_minute: dto.rate_limit_per_minute ?? null,
        });
        const provider = dto.secret_key ? await this.replaceSecret(tx, created, dto.secret_key) : created;
        await this.audit.record(tx, { tenantId: tenant.id, eventType: 'integration_provider.created', resourceType: 'integration_provider', resourceId: provider.id, new: providerView(provider) });
        return provider;
      }),
    );
  }

  async update(principal: Principal, id: string, dto: UpdateProviderDto): Promise<ProviderView> {
    const provider = await this.load(principal, id, 'admin');
    return providerView(
      await this.write(dto.name, async (tx) => {
        let updated = await this.providers.update(tx, provider.tenant_id, id, {
          name: dto.name,
          webhook_url: dto.webhook_url,
          api_base_url: dto.api_base_url,
          auth_type: dto.auth_type,
          is_active: dto.is_active,
          map_users: dto.map_users,
          allowed_ips: dto.allowed_ips,
          rate_limit_per_minute: dto.rate_limit_per_minute,
        });
        // An empty string removes the secret (the provider then sends unsigned events); absent keeps it.
        if (dto.secret_key !== undefined) updated = await this.replaceSecret(tx, updated, dto.secret_key === '' ? null : dto.secret_key);
        await this.audit.record(tx, {
          tenantId: provider.tenant_id,
          eventType: 'integration_provider.updated',
          resourceType: 'integration_provider',
          resourceId: id,
          old: providerView(provider),
          new: { ...providerView(updated), secret_changed: dto.secret_key !== undefined },
        });
        return updated;
      }),
    );
  }

  async remove(principal: Principal, id: string): Promise<void> {
    const provider = await this.load(principal, id, 'admin');
    await this.unitOfWork.run(async (tx) => {
      await this.providers.delete(tx, provider.tenant_id, id);
      await this.audit.record(tx, { tenantId: provider.tenant_id, eventType: 'integration_provider.deleted', resourceType: 'integration_provider', resourceId: id, old: providerView(provider) });
    });
  }

  /** The provider by id or name within what the caller may see; another tenant's is 404. */
  async load(principal: Principal, reference: string, required: TenantRole): Promise<ProviderRow> {
    const tenantId = isUuid(reference) ? await this.providers.tenantOf(reference) : null;
    await this.access.checkResource(principal, tenantId, required, 'Integration provider');
    const provider = await this.providers.findById(tenantId as string, reference);
    if (!provider) throw notFound('Integration provider');
    return provider;
  }

  private async replaceSecret(tx: Transaction, provider: ProviderRow, secret: string | null): Promise<ProviderRow> {
    const sealed = secret === null ? null : this.secrets.seal(provider.id, secret);
    await this.providers.setSecret(tx, provider.tenant_id, provider.id, sealed);
    return { ...provider, secret_sealed: sealed };
  }

  private async write(name: string | undefined, work: (tx: Transaction) => Promise<ProviderRow>): Promise<ProviderRow> {
    try {
      return await this.unitOfWork.run(work);
    } catch (error) {
      if (isUniqueViolation(error, 'integration_providers_name_per_tenant')) throw new SluiceException('conflict', `A provider named ${name} already exists in this tenant`, {}, 'name');
      throw error;
    }
  }
}

/** The secret is write-only: a view says whether there is one, never what it is. */
export function providerView(provider: ProviderRow): ProviderView {
  return {
    id: provider.id,
    tenant: provider.tenant_id,
    name: provider.name,
    webhook_url: provider.webhook_url,
    api_base_url: provider.api_base_url,
    auth_type: provider.auth_type,
    has_secret: provider.secret_sealed !== null,
    is_active: provider.is_active,
    map_users: provider.map_users,
    allowed_ips: provider.allowed_ips,
    rate_limit_per_minute: provider.rate_limit_per_minute,
    created_at: provider.created_at.toISOString(),
    updated_at: provider.updated_at.toISOString(),
  };
}
