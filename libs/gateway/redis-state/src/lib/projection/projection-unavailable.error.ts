import type { ErrorCode } from '@sluice/contracts';

/**
 * Redis could not be asked for a projection record and the cache holds no fresh
 * copy. Distinct from an absent record (null): the gateway answers 503
 * `service_unavailable` so clients retry, never 401 for a key that may be valid.
 */
export class ProjectionUnavailableError extends Error {
  readonly code: ErrorCode = 'service_unavailable';

  constructor(redisKey: string, options?: { cause?: unknown }) {
    super(`Projection record ${redisKey} is unavailable: Redis cannot be reached`, options);
    this.name = 'ProjectionUnavailableError';
  }
}
