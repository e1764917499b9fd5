import { Injectable } from '@nestjs/common';
import type { DeploymentRecord, ModelRecord } from '@sluice/contracts';
import { adapterFor, type CanonicalRequest } from '@sluice/gateway/providers';
import { SluiceException } from '@sluice/platform';
import { performance } from 'node:perf_hooks';
import { GatewayMetrics } from '../metering/gateway-metrics';
import type { AbortSource } from '../upstream/abort-emitter';
import { ProviderCredentials, type UpstreamTarget } from '../upstream/provider-credentials';
import { UpstreamClient, type UpstreamResponse } from '../upstream/upstream-client';
import { ensureSuccess } from '../upstream/upstream-status';
import { UpstreamError } from '../upstream/upstream.error';

/** The provider's answer, and who gave it: the development mock answers `x-sluice-upstream: mock`. */
export interface ForwardedResponse extends UpstreamResponse {
  servedBy: UpstreamTarget['servedBy'];
}

/**
 * Step four of the hot path, one attempt: the provider adapter builds the
 * request for this deployment, the pooled client sends it, and the attempt
 * ends once the response has started with a 2xx (the body still streaming).
 * Error statuses and transport failures throw `UpstreamError`s for the
 * router to retry or report.
 */
@Injectable()
export class Forwarder {
  constructor(
    private readonly client: UpstreamClient,
    private readonly credentials: ProviderCredentials,
    private readonly metrics: GatewayMetrics,
  ) {}

  async forward(request: CanonicalRequest, deployment: DeploymentRecord, model: ModelRecord, stream: boolean, signal: AbortSource): Promise<ForwardedResponse> {
    const started = performance.now();
    let outcome = 'network_error';
    try {
      const target = this.credentials.target(deployment);
      const built = buildFor(request, target.deployment, model, target.credential, stream);
      const response = await this.client.send({ url: built.url, headers: built.headers, body: built.body }, { timeoutMs: deployment.timeout_ms, signal });
      outcome = String(response.status);
      return { ...(await ensureSuccess(response)), servedBy: target.servedBy };
    } catch (error) {
      if (error instanceof UpstreamError) outcome = outcomeOf(error, outcome);
      throw error;
    } finally {
      // Up to the response headers: the attempt as routing sees it; the body's time is in the request histogram.
      this.metrics.upstreamDuration.series({ provider: deployment.provider, outcome }).observe((performance.now() - started) / 1000);
    }
  }
}

/**
 * The adapter's translation trusts the shapes validation checked; anything
 * stranger that makes it throw is the client's request, not a gateway fault.
 */
function buildFor(request: CanonicalRequest, deployment: DeploymentRecord, model: ModelRecord, credential: string | null, stream: boolean) {
  try {
    return adapterFor(deployment.provider).buildRequest(request, deployment, credential, { stream, defaultMaxTokens: model.max_output_tokens });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new SluiceException('bad_request', `The request cannot be translated for this model's provider: ${reason}`);
  }
}

function outcomeOf(error: UpstreamError, current: string): string {
  if (error.kind === 'status') return current;
  if (error.code === 'provider_timeout') return 'timeout';
  if (error.kind === 'aborted') return 'aborted';
  if (error.kind === 'not_configured') return 'not_configured';
  return 'network_error';
}
