import { Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { SluiceException } from '@sluice/platform';
import type { FastifyRequest } from 'fastify';
import { IS_PUBLIC } from './public.decorator';

/**
 * Global: every `/api` route needs a principal unless it is marked `@Public()`.
 * Routes outside `/api` (health, metrics) are for probes and scrapers.
 */
@Injectable()
export class AuthenticationGuard extends AuthGuard('bearer') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    const { url } = context.switchToHttp().getRequest<FastifyRequest>();
    return isPublic || !url.startsWith('/api/') ? true : super.canActivate(context);
  }

  override handleRequest<TUser>(error: unknown, user: TUser): TUser {
    if (error) throw error;
    if (!user) throw new SluiceException('unauthorized', 'Authentication credentials were not provided');
    return user;
  }
}
