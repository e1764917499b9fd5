import type { DeploymentRecord, ModelRecord } from '@sluice/contracts';
import { toAbortSignal, type AbortSource } from '../upstream/abort-emitter';
import { clientGoneError, UpstreamError } from '../upstream/upstream.error';
import { CircuitBreakerRegistry } from './circuit-breaker';
import { DeploymentSelector } from './deployment-selector';
import type { ModelResolver } from './model-resolver';
import { RetryPolicy } from './retry-policy';
import { RoutingException } from './routing.exception';

/**
 * One try on one deployment, up to the first byte of the answer: it resolves
 * once the response has started (headers in, body still streaming) or throws
 * an `UpstreamError` whose `retryable` says whether the next deployment may
 * be tried. Anything else it throws ends routing as is.
 */
export type AttemptFn<T> = (deployment: DeploymentRecord, signal: AbortSource, model: ModelRecord) => Promise<T>;

export interface RouteRequest<T> {
  /** The requested model, resolved and already checked against the key. */
  model: ModelRecord;
  /** Finds the models named in `fallbacks`. */
  resolver: ModelResolver;
  /** The key's `allowed_regions`; null = anywhere. */
  allowedRegions: readonly string[] | null;
  /** Whether the key may be served by this fallback model; every one when absent. */
  isFallbackAllowed?: (model: ModelRecord) => boolean;
  /** The client's: aborts the attempt in flight and stops retrying. */
  signal: AbortSource;
  attempt: AttemptFn<T>;
}

export interface RouteResult<T> {
  value: T;
  /** The model that answered: the requested one or a fallback (its pricing applies). */
  model: ModelRecord;
  deployment: DeploymentRecord;
  attempts: number;
}

interface Candidate {
  model: ModelRecord;
  deployment: DeploymentRecord;
}

export interface UpstreamRouterDependencies {
  selector?: DeploymentSelector;
  breakers?: CircuitBreakerRegistry;
  retryPolicy?: RetryPolicy;
}

/**
 * Routes a request: the model's healthy deployments in weighted random
 * order, then each fallback model's in turn, each tried at most once, with a
 * jittered backoff between tries, until one answers or the attempts run out.
 * Routing ends when `attempt` resolves: once the answer streams, a failure is
 * the caller's to report, never retried here.
 */
export class UpstreamRouter {
  readonly selector: DeploymentSelector;
  readonly breakers: CircuitBreakerRegistry;
  readonly retryPolicy: RetryPolicy;

  constructor({ selector, breakers, retryPolicy }: UpstreamRouterDependencies = {}) {
    this.selector = selector ?? new DeploymentSelector();
    this.breakers = breakers ?? new CircuitBreakerRegistry();
    this.retryPolicy = retryPolicy ?? new RetryPolicy();
  }

  async route<T>(request: RouteRequest<T>): Promise<RouteResult<T>> {
    const { signal } = request;
    let attempts = 0;
    let lastError: UpstreamError | undefined;
    for (const { model, deployment } of this.candidates(request)) {
      if (attempts >= this.retryPolicy.maxAttempts) break;
      if (signal.aborted) throw clientGoneError(signal.reason);
      // Another request may hold this deployment's half-open probe: move on without waiting.
      if (!this.breakers.tryAcquire(deployment.id)) continue;
      try {
        if (attempts > 0) await this.retryPolicy.beforeRetry(attempts, toAbortSignal(signal));
      } catch (error) {
        this.breakers.release(deployment.id);
        throw clientGoneError(error);
      }
      attempts++;
      try {
        const value = await request.attempt(deployment, signal, model);
        this.breakers.recordSuccess(deployment.id);
        return { value, model, deployment, attempts };
      } catch (error) {
        if (!(error instanceof UpstreamError) || !error.retryable) {
          this.settleWithoutRetry(deployment.id, error);
          throw error;
        }
        this.breakers.recordFailure(deployment.id);
        lastError = error;
      }
    }
    if (lastError !== undefined) throw lastError;
    throw this.nothingToTry(request.allowedRegions);
  }

  /** A final error still tells about the deployment: an answer, even a refusal, means it is up. */
  private settleWithoutRetry(deploymentId: string, error: unknown): void {
    if (error instanceof UpstreamError && error.kind === 'status') this.breakers.recordSuccess(deploymentId);
    else this.breakers.release(deploymentId);
  }

  /** Deployments to try, in order, computed lazily: fallbacks cost nothing when the first try succeeds. */
  private *candidates(request: RouteRequest<unknown>): Generator<Candidate> {
    const filter = { allowedRegions: request.allowedRegions, isAvailable: this.isAvailable };
    for (const deployment of this.selector.order(request.model.deployments, filter)) yield { model: request.model, deployment };
    if (request.model.fallbacks.length === 0) return;
    const visited = new Set([request.model.id]);
    for (const fallbackId of request.model.fallbacks) {
      const fallback = request.resolver.find(fallbackId);
      if (fallback === undefined || visited.has(fallback.id)) continue;
      visited.add(fallback.id);
      if (request.isFallbackAllowed && !request.isFallbackAllowed(fallback)) continue;
      for (const deployment of this.selector.order(fallback.deployments, filter)) yield { model: fallback, deployment };
    }
  }

  private readonly isAvailable = (deployment: DeploymentRecord): boolean => this.breakers.isAvailable(deployment.id);

  private nothingToTry(allowedRegions: readonly string[] | null): RoutingException {
    if (allowedRegions !== null) {
      return new RoutingException('region_unavailable', 'No deployment of this model is available in the regions this key may use', {
        allowed_regions: allowedRegions,
      });
    }
    return new RoutingException('provider_unavailable', 'No deployment of this model is available right now; retry later');
  }
}
