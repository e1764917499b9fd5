import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { SluiceException } from '@sluice/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import passport from 'passport';
import { BearerStrategy } from './bearer.strategy';
import type { Principal } from './principal';
import { IS_PUBLIC } from './public.decorator';

/**
 * Global: every route needs a principal unless it is marked `@Public()`
 * (health, metrics, sign-in, registration, refresh). It never looks at the
 * URL: the router decodes `%61pi` into `api`, so a test on the raw URL is one
 * spelling away from being skipped.
 *
 * It hands passport this app's strategy instance rather than its name:
 * passport's registry of names is process-wide, so with two app instances in
 * one process (as in tests) a name would resolve to whichever registered last.
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly strategy: BearerStrategy,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & { user?: Principal }>();
    request.user = await this.authenticate(request, http.getResponse<FastifyReply>());
    return true;
  }

  private authenticate(request: FastifyRequest, reply: FastifyReply): Promise<Principal> {
    return new Promise((resolve, reject) => {
      // A fresh object per request: passport sets its success and fail callbacks on the strategy it is given.
      const strategy = Object.create(this.strategy) as passport.Strategy;
      const middleware = passport.authenticate(strategy, { session: false }, (error: unknown, user: Principal | false) => {
        if (error) reject(error);
        else if (!user) reject(new SluiceException('unauthorized', 'Authentication credentials were not provided'));
        else resolve(user);
      });
      middleware(request, reply, reject);
    });
  }
}
