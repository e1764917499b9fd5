import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { TenantAccess } from '../auth/tenant-access';
import { ProvidersRepository, type HealthRow, type HealthStatus } from './providers.repository';

type Headers = Record<string, string | string[] | undefined>;

export interface ProviderHealthView {
  id: string;
  provider: string;
  tenant: string;
  status: HealthStatus;
  /** Milliseconds; null when no answer came. */
  response_time: number | null;
  last_check: string;
  error_message: string;
}

export interface HealthView {
  /** The worst status of the providers shown (healthy when none was probed yet). */
  status: HealthStatus;
  providers: Record<string, ProviderHealthView>;
  results: ProviderHealthView[];
}

const SEVERITY: Record<HealthStatus, number> = { healthy: 0, degraded: 1, down: 2 };

/** The last probe of each active provider the caller may see. */
@Injectable()
export class HealthService {
  constructor(
    private readonly providers: ProvidersRepository,
    private readonly access: TenantAccess,
  ) {}

  async overview(principal: Principal, tenant: string | undefined, headers: Headers): Promise<HealthView> {
    const tenantIds = await this.access.visibleTenantIds(principal, tenant, headers);
    const results = (await this.providers.health(tenantIds)).map(healthView);
    return {
      status: results.reduce<HealthStatus>((worst, row) => (SEVERITY[row.status] > SEVERITY[worst] ? row.status : worst), 'healthy'),
      // Keyed by name as partners know them; with several tenants in view, a name shared by two shows the later one (results has both).
      providers: Object.fromEntries(results.map((row) => [row.provider, row])),
      results,
    };
  }
}

function healthView(row: HealthRow): ProviderHealthView {
  return {
    id: row.provider_id,
    provider: row.name,
    tenant: row.tenant_id,
    status: row.status,
    response_time: row.response_time_ms,
    last_check: row.last_check.toISOString(),
    error_message: row.error_message,
  };
}
