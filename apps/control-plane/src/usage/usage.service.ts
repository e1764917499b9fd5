import { Injectable } from '@nestjs/common';
import { ApiKeysRepository, UsageLedgerRepository } from '@sluice/control-plane/data-access';
import { isUuid } from '@sluice/contracts';
import { SluiceException } from '@sluice/platform';
import type { Principal } from '../auth/principal';
import { TenantAccess } from '../auth/tenant-access';
import type { UsageGroup, UsageQueryDto } from './dto/usage.dto';
import { dayRange } from './usage-range';
import { usageResult, usageTotals, type UsageFigures, type UsageResult } from './usage-view';

export interface UsageReport {
  tenant: string;
  api_key_id?: string;
  from: string;
  to: string;
  group_by: UsageGroup;
  totals: UsageFigures;
  results: UsageResult[];
}

/** Usage reads from the daily rollups (docs/limits.md, Usage reads): any role of the tenant may read them. */
@Injectable()
export class UsageService {
  constructor(
    private readonly ledger: UsageLedgerRepository,
    private readonly apiKeys: ApiKeysRepository,
    private readonly access: TenantAccess,
  ) {}

  async ofTenant(principal: Principal, reference: string, query: UsageQueryDto): Promise<UsageReport> {
    const range = dayRange(query.from, query.to);
    const { tenant } = await this.access.authorize(principal, reference, 'viewer');
    const groupBy = query.group_by ?? 'day';
    const rows = await this.ledger.usage(tenant.id, range, groupBy);
    return { tenant: tenant.slug, ...range, group_by: groupBy, totals: usageTotals(rows), results: rows.map((row) => usageResult(groupBy, row)) };
  }

  /** A key's usage; another tenant's key (or an unknown id) is a 404. */
  async ofKey(principal: Principal, id: string, query: UsageQueryDto): Promise<UsageReport> {
    const range = dayRange(query.from, query.to);
    const tenantId = isUuid(id) ? await this.apiKeys.tenantOf(id) : null;
    if (!tenantId) throw new SluiceException('not_found', 'API key not found');
    const { tenant } = await this.access.authorize(principal, tenantId, 'viewer').catch(() => {
      throw new SluiceException('not_found', 'API key not found');
    });
    const groupBy = query.group_by ?? 'day';
    const rows = await this.ledger.usage(tenant.id, { ...range, apiKeyId: id }, groupBy);
    return { tenant: tenant.slug, api_key_id: id, ...range, group_by: groupBy, totals: usageTotals(rows), results: rows.map((row) => usageResult(groupBy, row)) };
  }
}

