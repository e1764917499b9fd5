import { SluiceException } from '@sluice/platform';

/** A request that cannot be routed: unknown model, no deployment up in the key's regions, none up at all. */
export class RoutingException extends SluiceException {
  override readonly name = 'RoutingException';
}
