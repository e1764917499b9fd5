import { Injectable } from '@nestjs/common';
import { isUuid } from '@sluice/contracts';
import { SluiceException } from '@sluice/platform';
import { pageWindow } from '@sluice/platform/openapi';
import type { Principal } from '../auth/principal';
import { notFound, TenantAccess } from '../auth/tenant-access';
import { DataSync } from './data-sync';
import type { ListSyncsQueryDto, TriggerSyncDto } from './dto/sync.dto';
import { ProvidersRepository, type ProviderRow } from './providers.repository';
import { SyncsRepository, type SyncError, type SyncRow, type SyncStatus, type SyncType } from './syncs.repository';

type Headers = Record<string, string | string[] | undefined>;

export interface SyncView {
  id: string;
  tenant: string;
  provider: string;
  provider_id: string;
  sync_type: SyncType;
  status: SyncStatus;
  pages: number;
  total: number | null;
  records_created: number;
  records_updated: number;
  /** Percent of `total` read so far; null while the total is unknown. */
  progress: number | null;
  errors: SyncError[];
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

/** Data syncs: triggered by a tenant's admin, listed for its members. */
@Injectable()
export class SyncService {
  constructor(
    private readonly syncs: SyncsRepository,
    private readonly providers: ProvidersRepository,
    private readonly dataSync: DataSync,
    private readonly access: TenantAccess,
  ) {}

  async trigger(principal: Principal, dto: TriggerSyncDto, headers: Headers): Promise<SyncView> {
    const reference = dto.provider ?? dto.service_id;
    if (!reference) throw new SluiceException('validation_error', 'Name the provider (provider: its id or name, or service_id)', {}, 'provider');
    const provider = await this.provider(principal, reference, dto.tenant, headers);
    if (!provider.is_active || !provider.api_base_url) throw new SluiceException('conflict', 'The provider is inactive or has no api_base_url to sync from', {}, 'provider');
    const sync = await this.syncs.create(provider.tenant_id, provider.id, dto.sync_type);
    await this.dataSync.enqueue(sync.id);
    return syncView(sync);
  }

  async list(principal: Principal, query: ListSyncsQueryDto, headers: Headers): Promise<{ count: number; results: SyncView[] }> {
    const tenantIds = await this.access.visibleTenantIds(principal, query.tenant, headers);
    const slice = await this.syncs.list(tenantIds, pageWindow(query));
    return { count: slice.count, results: slice.rows.map(syncView) };
  }

  async get(principal: Principal, id: string): Promise<SyncView> {
    const tenantId = isUuid(id) ? await this.syncs.tenantOf(id) : null;
    await this.access.checkResource(principal, tenantId, 'viewer', 'Data sync');
    const sync = await this.syncs.findById(tenantId as string, id);
    if (!sync) throw notFound('Data sync');
    return syncView(sync);
  }

  /** By id (any tenant the caller administers; another's is 404), or by name in the request's tenant. */
  private async provider(principal: Principal, reference: string, tenant: string | undefined, headers: Headers): Promise<ProviderRow> {
    if (isUuid(reference)) {
      const tenantId = await this.providers.tenantOf(reference);
      await this.access.checkResource(principal, tenantId, 'admin', 'Integration provider');
      const provider = await this.providers.findById(tenantId as string, reference);
      if (provider) return provider;
    } else {
      const grant = await this.access.resolve(principal, tenant, headers, 'admin');
      const provider = await this.providers.findByName(grant.tenant.id, reference);
      if (provider) return provider;
    }
    throw notFound('Integration provider');
  }
}

export function syncView(sync: SyncRow): SyncView {
  const read = sync.records_created + sync.records_updated;
  return {
    id: sync.id,
    tenant: sync.tenant_id,
    provider: sync.provider_name,
    provider_id: sync.provider_id,
    sync_type: sync.sync_type,
    status: sync.status,
    pages: sync.pages,
    total: sync.total,
    records_created: sync.records_created,
    records_updated: sync.records_updated,
    progress: sync.status === 'completed' ? 100 : sync.total ? Math.min(100, Math.floor((read * 100) / sync.total)) : null,
    errors: sync.errors,
    created_at: sync.created_at.toISOString(),
    started_at: sync.started_at?.toISOString() ?? null,
    finished_at: sync.finished_at?.toISOString() ?? null,
  };
}
