import type { DeploymentRecord, ModelRecord, UsageEventV1 } from '@sluice/contracts';
import { performance } from 'node:perf_hooks';
import { NO_PROVIDER } from '../metering/gateway-metrics';

/** What one request did, filled in along the pipeline and read once at settlement. */
export class RequestMeter {
  readonly startedAtMs = performance.now();
  readonly startedAt = new Date();
  /** The model that answered: the requested one, or the fallback routing chose. */
  servedModel: ModelRecord;
  deployment: DeploymentRecord | null = null;
  provider: string = NO_PROVIDER;
  promptTokens = 0;
  completionTokens = 0;
  usageSource: UsageEventV1['usage_source'] = 'estimated';
  outcome: UsageEventV1['outcome'] = 'completed';
  httpStatus = 200;
  /** Milliseconds from the start to the first content sent to the client. */
  timeToFirstTokenMs: number | null = null;

  constructor(requestedModel: ModelRecord) {
    this.servedModel = requestedModel;
  }

  elapsedMs(): number {
    return performance.now() - this.startedAtMs;
  }

  markFirstToken(): void {
    this.timeToFirstTokenMs ??= this.elapsedMs();
  }

  /** Usage as the provider reported it; the last report wins (it is cumulative). */
  providerUsage(promptTokens: number, completionTokens: number): void {
    this.promptTokens = promptTokens;
    this.completionTokens = completionTokens;
    this.usageSource = 'provider';
  }

  estimatedUsage(promptTokens: number, completionTokens: number): void {
    this.promptTokens = promptTokens;
    this.completionTokens = completionTokens;
    this.usageSource = 'estimated';
  }
}
