import { Injectable, Logger } from '@nestjs/common';
import type { UsageEventV1 } from '@sluice/contracts';
import { costMicros, UsageRecorder, type AdmissionTicket } from '@sluice/gateway/redis-state';
import { AdmissionGate } from '../admission/admission-gate';
import type { Caller } from '../auth/caller';
import { GatewayMetrics, type InferenceEndpoint } from '../metering/gateway-metrics';
import type { RequestMeter } from './request-meter';

export interface SettleInput {
  requestId: string;
  caller: Caller;
  ticket: AdmissionTicket;
  meter: RequestMeter;
  endpoint: InferenceEndpoint;
  stream: boolean;
}

/**
 * Step six of the hot path, after the client has its answer (or is gone):
 * the admission's reservations are replaced by what was used, one usage
 * event goes to the stream, and the request's metrics are observed.
 */
@Injectable()
export class SettleAndMeter {
  private readonly logger = new Logger('Settlement');

  constructor(
    /** Settles where the request was admitted: Redis, or this process's limiter while Redis was down. */
    private readonly admission: AdmissionGate,
    private readonly usage: UsageRecorder,
    private readonly metrics: GatewayMetrics,
  ) {}

  /** Never throws: it runs after the answer, when nobody could be told. */
  async settle(input: SettleInput): Promise<void> {
    const { requestId, caller, ticket, meter, endpoint, stream } = input;
    const cost = costMicros(meter.servedModel.pricing, meter.promptTokens, meter.completionTokens);
    try {
      this.usage.record(usageEvent(requestId, caller, meter, cost));
      this.observe(meter, endpoint, stream);
    } catch (error) {
      this.logger.error({ requestId, err: error }, 'Recording usage failed');
    }
    try {
      await this.admission.settle({
        ticket,
        actualTokens: meter.promptTokens + meter.completionTokens,
        actualCostMicros: cost,
        tokenTotals: { model: meter.servedModel.id, settledAt: new Date() },
      });
    } catch (error) {
      // The usage event still charges the ledger; the reservation is freed when its hold expires.
      this.logger.warn({ requestId, err: error }, 'Settlement failed; the reservation expires with its hold');
    }
  }

  private observe(meter: RequestMeter, endpoint: InferenceEndpoint, stream: boolean): void {
    const provider = meter.provider;
    this.metrics.requestDuration.series({ endpoint, provider, status_code: String(meter.httpStatus), stream: String(stream) }).observe(meter.elapsedMs() / 1000);
    if (meter.timeToFirstTokenMs !== null) this.metrics.timeToFirstToken.series({ endpoint, provider }).observe(meter.timeToFirstTokenMs / 1000);
    if (meter.promptTokens > 0) this.metrics.tokens.inc({ provider, type: 'prompt', source: meter.usageSource }, meter.promptTokens);
    if (meter.completionTokens > 0) this.metrics.tokens.inc({ provider, type: 'completion', source: meter.usageSource }, meter.completionTokens);
  }
}

export function usageEvent(requestId: string, { apiKey, tenant }: Caller, meter: RequestMeter, cost: number): UsageEventV1 {
  return {
    v: 1,
    request_id: requestId,
    tenant_id: tenant.id,
    api_key_id: apiKey.id,
    team_id: apiKey.team?.id ?? null,
    environment: apiKey.environment,
    model: meter.servedModel.id,
    provider: meter.provider,
    deployment: meter.deployment?.id ?? null,
    prompt_tokens: meter.promptTokens,
    completion_tokens: meter.completionTokens,
    cost_micros: cost,
    usage_source: meter.usageSource,
    outcome: meter.outcome,
    http_status: meter.httpStatus,
    latency_ms: Math.round(meter.elapsedMs()),
    time_to_first_token_ms: meter.timeToFirstTokenMs === null ? null : Math.round(meter.timeToFirstTokenMs),
    started_at: meter.startedAt.toISOString(),
    finished_at: new Date().toISOString(),
  };
}
