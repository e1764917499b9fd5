import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Caller } from './caller';
import type { AuthenticatedRequest } from './gateway-authentication.guard';
import { GatewayAuthException } from './gateway-auth.exception';

/** The caller the guard authenticated; refuses rather than handing the handler nothing (a route marked public by mistake). */
export const CurrentCaller = createParamDecorator((_data: unknown, context: ExecutionContext): Caller => callerOf(context));

export function callerOf(context: ExecutionContext): Caller {
  const caller = context.switchToHttp().getRequest<AuthenticatedRequest>().caller;
  if (!caller) throw new GatewayAuthException('invalid_api_key', 'Missing API key: send Authorization: Bearer <key> or x-api-key');
  return caller;
}
