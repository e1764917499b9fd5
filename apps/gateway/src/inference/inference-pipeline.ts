import { Injectable, HttpException } from '@nestjs/common';
import type { ModelRecord } from '@sluice/contracts';
import { adapterFor, type CanonicalResponse } from '@sluice/gateway/providers';
import { SluiceException, writeJson } from '@sluice/platform';
import type { ServerResponse } from 'node:http';
import { AdmissionGate, type AdmittedRequest } from '../admission/admission-gate';
import { completionTokenBudget, estimatePromptTokens, estimateTextTokens } from '../admission/estimate-tokens';
import { Authenticator } from '../auth/authenticator';
import type { Caller } from '../auth/caller';
import { ensureModelAllowed, mayUseModel } from '../auth/model-access';
import type { ModelResolver } from '../routing/model-resolver';
import { UpstreamRouter } from '../routing/upstream-router';
import { CatalogModels } from '../catalog/catalog-models';
import { noteFailedTenant } from '../metering/error-counts';
import { watchClientAbort, type ClientAbort } from './client-abort';
import { Forwarder } from './forward';
import type { InferenceExchange, InferenceRequest, ResponseEdge } from './inference-request';
import { meteringRequestId } from './metering-request-id';
import { readCompletion } from './read-completion';
import { RequestMeter } from './request-meter';
import { SettleAndMeter } from './settle-and-meter';
import { streamToClient } from './stream-to-client';
import { TranslatingRelay } from './translating-relay';

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  // Proxies such as nginx would otherwise hold chunks back.
  'x-accel-buffering': 'no',
} as const;

/** Margin over the longest routing can take, before an unsettled reservation is given back. */
const HOLD_MARGIN_MS = 60_000;

/**
 * The gateway's hot path, the same for both inbound APIs:
 * authenticate → admit → route → forward → stream (or answer) → settle.
 * Each step is its own file; this only sequences them and keeps the
 * promise that every admitted request is settled and metered exactly once.
 */
@Injectable()
export class InferencePipeline {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly catalog: CatalogModels,
    private readonly gate: AdmissionGate,
    private readonly router: UpstreamRouter,
    private readonly forwarder: Forwarder,
    private readonly settlement: SettleAndMeter,
  ) {}

  /** `parse` validates the body; it runs after authentication, so an anonymous caller learns nothing from it. */
  async handle(exchange: InferenceExchange, parse: (body: unknown) => InferenceRequest, edge: ResponseEdge): Promise<void> {
    const caller = await this.authenticator.authenticate(exchange.headers, exchange.ip);
    try {
      const inference = parse(exchange.body);
      ensureTenantMatches(caller, inference.tenantId);
      const requestedName = inference.canonical.model;
      const resolver = await this.catalog.resolver();
      const model = resolver.resolve(requestedName);
      ensureModelAllowed(caller, model, requestedName);

      const requestId = meteringRequestId(exchange);
      const estimatedPromptTokens = estimatePromptTokens(inference.canonical);
      const response = exchange.response;
      const admitted = await this.admit(response, {
        caller,
        model,
        requestId,
        estimatedPromptTokens,
        maxTokens: completionTokenBudget(inference.canonical, model),
        holdTtlMs: this.holdTtlMs(model, resolver),
      });

      const meter = new RequestMeter(model);
      const client = watchClientAbort(response);
      try {
        await this.serve(response, inference, edge, { caller, model, resolver, meter, client, estimatedPromptTokens });
      } catch (error) {
        meter.outcome = client.signal.aborted ? 'client_aborted' : 'provider_error';
        meter.httpStatus = error instanceof HttpException ? error.getStatus() : 500;
        throw error;
      } finally {
        client.dispose();
        void this.settlement.settle({ requestId, caller, ticket: admitted.ticket, meter, endpoint: edge.endpoint, stream: inference.stream });
      }
    } catch (error) {
      // Only a failure pays for this: the error path learns whose request it was (error-counts.ts).
      noteFailedTenant(exchange, caller.tenant.id);
      throw error;
    }
  }

  private async admit(response: ServerResponse, input: Parameters<AdmissionGate['admit']>[0]): Promise<AdmittedRequest> {
    const admitted = await this.gate.admit(input);
    const headers = admitted.headers;
    for (const name in headers) response.setHeader(name, headers[name] as string);
    return admitted;
  }

  private async serve(response: ServerResponse, inference: InferenceRequest, edge: ResponseEdge, context: ServeContext): Promise<void> {
    const { caller, model, resolver, meter, client, estimatedPromptTokens } = context;
    const routed = await this.router.route({
      model,
      resolver,
      allowedRegions: caller.apiKey.allowed_regions,
      isFallbackAllowed: (fallback) => mayUseModel(caller, fallback),
      signal: client.signal,
      attempt: (deployment, signal, target) => this.forwarder.forward(inference.canonical, deployment, target, inference.stream, signal),
    });
    meter.servedModel = routed.model;
    meter.deployment = routed.deployment;
    meter.provider = routed.deployment.provider;
    const adapter = adapterFor(routed.deployment.provider);
    const requestedName = inference.canonical.model;
    if (routed.value.servedBy === 'mock') response.setHeader('x-sluice-upstream', 'mock');

    if (inference.stream) {
      // Merged over the headers set so far (request id, security, rate limits).
      response.writeHead(200, SSE_HEADERS);
      const relay =
        edge.streamPassThrough?.(inference.canonical, requestedName, adapter.wireFormat) ??
        new TranslatingRelay(adapter, edge.streamWriter(inference.canonical, requestedName));
      const summary = await streamToClient({
        raw: response,
        upstream: routed.value,
        relay,
        edge,
        meter,
        clientSignal: client.signal,
      });
      if (meter.usageSource !== 'provider') meter.estimatedUsage(estimatedPromptTokens, estimateTextTokens(summary.generatedCharacters));
      return;
    }

    const { completion, text } = await readCompletion(routed.value, adapter);
    if (completion.usage) meter.providerUsage(completion.usage.prompt_tokens, completion.usage.completion_tokens);
    else meter.estimatedUsage(estimatedPromptTokens, estimateTextTokens(generatedCharacters(completion)));
    const relayed = edge.answerText?.(text, completion, requestedName, adapter.wireFormat);
    writeJson(response, 200, relayed ?? JSON.stringify(edge.body(completion, requestedName)));
  }

  /** Longer than routing can take (every attempt at the slowest deployment in reach), plus a margin. */
  private holdTtlMs(model: ModelRecord, resolver: ModelResolver): number {
    let slowest = 0;
    const models = [model, ...model.fallbacks.map((id) => resolver.find(id)).filter((m): m is ModelRecord => m !== undefined)];
    for (const candidate of models) for (const deployment of candidate.deployments) slowest = Math.max(slowest, deployment.timeout_ms);
    return slowest * this.router.retryPolicy.maxAttempts + HOLD_MARGIN_MS;
  }
}

interface ServeContext {
  caller: Caller;
  model: ModelRecord;
  resolver: ModelResolver;
  meter: RequestMeter;
  client: ClientAbort;
  estimatedPromptTokens: number;
}

/** The body's optional `tenant_id`, by id or slug: a key speaks only for its own tenant. */
function ensureTenantMatches({ tenant }: Caller, tenantId: string | null): void {
  if (tenantId === null || tenantId === tenant.id || tenantId === tenant.slug) return;
  throw new SluiceException('forbidden', "tenant_id does not match this API key's tenant", {}, 'tenant_id');
}

function generatedCharacters(completion: CanonicalResponse): number {
  let characters = 0;
  for (const choice of completion.choices) {
    if (typeof choice.message.content === 'string') characters += choice.message.content.length;
    for (const call of choice.message.tool_calls ?? []) characters += call.function.name.length + call.function.arguments.length;
  }
  return characters;
}
