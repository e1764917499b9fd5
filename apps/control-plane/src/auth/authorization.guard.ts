import { Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { SluiceException } from '@sluice/platform';
import type { FastifyRequest } from 'fastify';
import { TenantAccess } from '../tenancy/tenant-access';
import { principalOf } from './current-principal.decorator';

const PLATFORM_ADMIN_ONLY = 'sluice:platform-admin-only';

/**
 * Only platform admins may call the route. Checked in the guard phase, before
 * the body is validated: anyone else gets 403 without learning the schema.
 * The services keep their own checks; this one only moves the refusal first.
 */
export const PlatformAdminOnly = () => SetMetadata(PLATFORM_ADMIN_ONLY, true);

/** Global, after authentication and throttling: role checks that do not depend on the body. */
@Injectable()
export class AuthorizationGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly access: TenantAccess,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!this.reflector.getAllAndOverride<boolean>(PLATFORM_ADMIN_ONLY, [context.getHandler(), context.getClass()])) return true;
    const principal = principalOf(context);
    if (principal.isPlatformAdmin) return true;
    // A tenant the caller cannot see stays a 404, as on every route: only one it sees answers that the action needs more.
    const tenant = (context.switchToHttp().getRequest<FastifyRequest>().params as Record<string, string | undefined>)['tenant'];
    if (tenant !== undefined) await this.access.authorize(principal, tenant, 'viewer');
    throw new SluiceException('forbidden', 'This needs a platform admin');
  }
}
