import { Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { IS_PUBLIC } from '@sluice/platform';
import type { FastifyRequest } from 'fastify';
import { Authenticator } from './authenticator';
import type { Caller } from './caller';

const AUTHENTICATES_ITSELF = 'sluice:authenticates-itself';

/**
 * The handler checks credentials of another kind than an inference key itself
 * (`GET /metrics/{tenant_id}` takes a read key or a platform admin's token).
 * As explicit as `@Public()`: the guard lets such a route through only because it says so.
 */
export const AuthenticatesItself = () => SetMetadata(AUTHENTICATES_ITSELF, true);

export type AuthenticatedRequest = FastifyRequest & { caller?: Caller };

/**
 * Global: every route Nest serves needs an API key with the inference scope
 * (the same checks as the hot path: live key, active tenant, allowed address)
 * unless it is `@Public()` or `@AuthenticatesItself()`. It never looks at the
 * URL, which the router decodes (`/%761/models` is `/v1/models`). The Fastify
 * inference routes do not pass through Nest and authenticate in their pipeline.
 */
@Injectable()
export class GatewayAuthenticationGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets) || this.reflector.getAllAndOverride<boolean>(AUTHENTICATES_ITSELF, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    request.caller = await this.authenticator.authenticate(request.headers, request.ip);
    return true;
  }
}
