import { SluiceException } from '@sluice/platform';

/** A caller refused before anything is counted: bad key, suspended tenant, address or model not allowed. */
export class GatewayAuthException extends SluiceException {
  override readonly name = 'GatewayAuthException';
}
