import { ProjectionUnavailableError } from '@sluice/gateway/redis-state';
import { SluiceException } from '@sluice/platform';

/**
 * Redis or the projection is out of reach: a 503 clients retry, never a 401
 * for a key that may be valid nor a 404 for a model that may exist. Every
 * projection read on a request path goes through here.
 */
export function asServiceUnavailable(error: unknown): unknown {
  if (error instanceof ProjectionUnavailableError) {
    return new SluiceException('service_unavailable', 'The gateway cannot reach its state store; retry shortly');
  }
  return error;
}

/** Runs a projection read, mapping an unreachable projection to the 503 above. */
export async function readProjection<T>(lookup: () => Promise<T>): Promise<T> {
  try {
    return await lookup();
  } catch (error) {
    throw asServiceUnavailable(error);
  }
}
