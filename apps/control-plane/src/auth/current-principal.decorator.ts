import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { SluiceException } from '@sluice/platform';
import type { Principal } from './principal';

/**
 * The authenticated caller of a non-public route. Without one (a route marked
 * `@Public()` by mistake) it refuses rather than handing the handler nothing.
 */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => principalOf(context));

export function principalOf(context: ExecutionContext): Principal {
  const principal = context.switchToHttp().getRequest<{ user?: Principal }>().user;
  if (!principal) throw new SluiceException('unauthorized', 'Authentication credentials were not provided');
  return principal;
}
