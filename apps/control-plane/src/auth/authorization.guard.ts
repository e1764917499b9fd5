import { Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { TenantRole } from '@sluice/auth';
import { SluiceException } from '@sluice/platform';
import type { FastifyRequest } from 'fastify';
import { TenantAccess } from '../auth/tenant-access';
import { principalOf } from './current-principal.decorator';

const PLATFORM_ADMIN_ONLY = 'sluice:platform-admin-only';
const TENANT_ROLE = 'sluice:tenant-role';

/**
 * Only platform admins may call the route. Checked in the guard phase, before
 * the body is validated: anyone else gets 403 without learning the schema.
 * The services keep their own checks; this one only moves the refusal first.
 */
export const PlatformAdminOnly = () => SetMetadata(PLATFORM_ADMIN_ONLY, true);

/**
 * At least `role` in the tenant named by the route's `:tenant` parameter (404
 * for a tenant the caller cannot see), checked before the body like
 * `@PlatformAdminOnly()`. The service checks again with the tenant it loads.
 */
export const TenantRoleAtLeast = (role: TenantRole) => SetMetadata(TENANT_ROLE, role);

/** Global, after authentication and throttling: role checks that do not depend on the body. */
@Injectable()
export class AuthorizationGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly access: TenantAccess,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const adminOnly = this.reflector.getAllAndOverride<boolean>(PLATFORM_ADMIN_ONLY, targets) ?? false;
    const tenantRole = this.reflector.getAllAndOverride<TenantRole | undefined>(TENANT_ROLE, targets);
    if (!adminOnly && !tenantRole) return true;
    const principal = principalOf(context);
    if (principal.isPlatformAdmin) return true;
    const tenant = (context.switchToHttp().getRequest<FastifyRequest>().params as Record<string, string | undefined>)['tenant'];
    if (tenantRole) {
      if (tenant === undefined) throw new Error('@TenantRoleAtLeast needs a :tenant route parameter');
      await this.access.authorize(principal, tenant, tenantRole);
    }
    if (!adminOnly) return true;
    // A tenant the caller cannot see stays a 404, as on every route: only one it sees answers that the action needs more.
    if (tenant !== undefined) await this.access.authorize(principal, tenant, 'viewer');
    throw new SluiceException('forbidden', 'This needs a platform admin');
  }
}
