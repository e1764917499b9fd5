import { Injectable } from '@nestjs/common';
import { AuditRepository, verifyChain, type AuditEvent, type ChainVerification } from '@sluice/control-plane/data-access';
import { pageWindow } from '@sluice/platform/openapi';
import type { Principal } from '../auth/principal';
import { TenantAccess } from '../auth/tenant-access';
import type { ListAuditEventsQueryDto } from './dto/audit-query.dto';

export interface ChainsVerification {
  chain_valid: boolean;
  verified_count: number;
  total_events: number;
  chains: ChainVerification[];
}

/**
 * Reading and verifying the audit log: platform admins see every chain;
 * tenant owners and admins their tenants'; anyone else named tenant is 404.
 */
@Injectable()
export class AuditLogService {
  constructor(
    private readonly audit: AuditRepository,
    private readonly access: TenantAccess,
  ) {}

  async list(principal: Principal, query: ListAuditEventsQueryDto): Promise<{ count: number; results: AuditEvent[] }> {
    const chains = await this.readableChains(principal, query.tenant_id);
    if (chains?.length === 0) return { count: 0, results: [] };
    const { rows, count } = await this.audit.search(
      {
        chains: chains ?? undefined,
        eventType: query.event_type,
        actorId: query.actor_id,
        resourceType: query.resource_type,
        resourceId: query.resource_id,
        since: query.since ? new Date(query.since) : undefined,
        until: query.until ? new Date(query.until) : undefined,
      },
      { ...pageWindow(query), oldestFirst: query.ordering === 'id' || query.ordering === 'timestamp' },
    );
    return { count, results: rows };
  }

  async verify(principal: Principal, tenantId: string | undefined): Promise<ChainVerification | ChainsVerification> {
    if (tenantId) {
      await this.access.authorize(principal, tenantId, 'admin');
      return verifyChain(this.audit, tenantId);
    }
    const chains = principal.isPlatformAdmin ? await this.audit.chains() : await this.readableChains(principal, undefined);
    const results: ChainVerification[] = [];
    for (const chain of chains ?? []) results.push(await verifyChain(this.audit, chain));
    return {
      chain_valid: results.every((result) => result.chain_valid),
      verified_count: results.reduce((sum, result) => sum + result.verified_count, 0),
      total_events: results.reduce((sum, result) => sum + result.total_events, 0),
      chains: results,
    };
  }

  /** null = every chain (platform admin, no tenant named). */
  private async readableChains(principal: Principal, tenantId: string | undefined): Promise<Array<string | null> | null> {
    if (tenantId) return [(await this.access.authorize(principal, tenantId, 'admin')).tenant.id];
    if (principal.isPlatformAdmin) return null;
    return this.access.tenantsWhereRole(principal, 'admin');
  }
}
