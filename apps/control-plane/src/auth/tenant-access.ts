import { Injectable } from '@nestjs/common';
import { roleAtLeast, type TenantRole } from '@sluice/auth';
import { MembershipsRepository, TenantsRepository, type TenantRow } from '@sluice/control-plane/data-access';
import { SluiceException } from '@sluice/platform';
import type { Principal } from './principal';

export interface TenantGrant {
  tenant: TenantRow;
  /** The caller's role there; platform admins act as owners. */
  role: TenantRole;
}

type Headers = Record<string, string | string[] | undefined>;

/**
 * Authorisation by tenant (docs/decisions.md, Authorisation): a caller sees only tenants where it has a
 * role. Another tenant's resources answer 404, never 403; 403 is for a tenant
 * the caller sees with a role too weak for the action.
 */
@Injectable()
export class TenantAccess {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly memberships: MembershipsRepository,
  ) {}

  async authorize(principal: Principal, reference: string, required: TenantRole): Promise<TenantGrant> {
    const tenant = await this.tenants.findByReference(reference);
    return this.check(principal, tenant, required);
  }

  /** The same check for a tenant already loaded (by a resource that belongs to it). */
  async check(principal: Principal, tenant: TenantRow | null, required: TenantRole): Promise<TenantGrant> {
    if (!tenant) throw notFound();
    const bound = boundTenantOf(principal);
    if (bound && tenant.id !== bound) {
      // Another tenant the caller could see is 403 tenant_mismatch; one it could not see stays 404.
      const visible = principal.isPlatformAdmin || (principal.kind === 'user' && tenant.status !== 'deleted' && (await this.memberships.findByUser(tenant.id, principal.userId)));
      throw visible ? tenantMismatch() : notFound();
    }
    if (principal.isPlatformAdmin) return { tenant, role: 'owner' };
    if (tenant.status === 'deleted') throw notFound();
    if (principal.kind === 'api_key') {
      if (tenant.id !== principal.tenantId) throw notFound();
      if (!roleAtLeast(principal.role, required)) throw new SluiceException('forbidden', `This needs an API key with the ${required === 'viewer' ? 'read' : 'write'} scope`);
      return { tenant, role: principal.role };
    }
    const membership = await this.memberships.findByUser(tenant.id, principal.userId);
    if (!membership) throw notFound();
    if (!roleAtLeast(membership.role, required)) {
      throw new SluiceException('forbidden', `This needs the ${required} role in tenant ${tenant.slug}; you are ${membership.role}`);
    }
    return { tenant, role: membership.role };
  }

  /**
   * The check for a resource found by id (its tenant's id, or null when no
   * such resource exists): a 404 names the resource, never its tenant.
   */
  async checkResource(principal: Principal, tenantId: string | null, required: TenantRole, what: string): Promise<TenantGrant> {
    if (!tenantId) throw notFound(what);
    try {
      return await this.check(principal, await this.tenants.findById(tenantId), required);
    } catch (error) {
      throw error instanceof SluiceException && error.code === 'not_found' ? notFound(what) : error;
    }
  }

  /**
   * The tenant a request acts on: `tenant` in its body or query, else the
   * `X-Tenant` (alias `X-Tenant-Domain`) header by slug or domain, else the
   * caller's only tenant; otherwise 400 `tenant_required`.
   */
  async resolve(principal: Principal, explicit: string | undefined, headers: Headers, required: TenantRole): Promise<TenantGrant> {
    const reference = explicit ?? headerTenant(headers);
    if (reference) return this.authorize(principal, reference, required);
    if (principal.kind === 'api_key') return this.check(principal, await this.tenants.findById(principal.tenantId), required);
    const bound = boundTenantOf(principal);
    if (bound) return this.check(principal, await this.tenants.findById(bound), required);
    const roles = principal.isPlatformAdmin ? [] : await this.memberships.rolesOfUser(principal.userId);
    if (roles.length === 1) return this.check(principal, await this.tenants.findById(roles[0].tenant_id), required);
    throw new SluiceException('tenant_required', 'Tenant context is required for this operation.', {}, 'tenant');
  }

  /**
   * Tenants a list may draw from: the one named by the request (or its
   * header), else every tenant of the caller; null means all (platform admin).
   */
  async visibleTenantIds(principal: Principal, explicit: string | undefined, headers: Headers): Promise<string[] | null> {
    const reference = explicit ?? headerTenant(headers);
    if (reference) return [(await this.authorize(principal, reference, 'viewer')).tenant.id];
    const bound = boundTenantOf(principal);
    if (bound) return [bound];
    if (principal.isPlatformAdmin) return null;
    if (principal.kind === 'api_key') return [principal.tenantId];
    return (await this.memberships.rolesOfUser(principal.userId)).map((row) => row.tenant_id);
  }

  /** Ids of the caller's tenants where its role is at least `required`. */
  async tenantsWhereRole(principal: Principal, required: TenantRole): Promise<string[]> {
    if (principal.kind === 'api_key') return roleAtLeast(principal.role, required) ? [principal.tenantId] : [];
    const bound = boundTenantOf(principal);
    const roles = await this.memberships.rolesOfUser(principal.userId);
    return roles.filter((row) => roleAtLeast(row.role, required) && (!bound || row.tenant_id === bound)).map((row) => row.tenant_id);
  }
}

function headerTenant(headers: Headers): string | undefined {
  const value = headers['x-tenant'] ?? headers['x-tenant-domain'];
  const text = Array.isArray(value) ? value[0] : value;
  return text?.trim() || undefined;
}

function boundTenantOf(principal: Principal): string | null {
  return principal.kind === 'user' ? (principal.boundTenantId ?? null) : null;
}

export function tenantMismatch(): SluiceException {
  return new SluiceException('tenant_mismatch', 'This session is bound to another tenant: sign in to that tenant (tenant_domain) to act there');
}

export function notFound(what = 'Tenant'): SluiceException {
  return new SluiceException('not_found', `${what} not found`);
}
