import { Inject, Injectable, Logger } from '@nestjs/common';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { joinUrl, PartnerHttp } from './partner-http';
import { ProviderSecrets } from './provider-secrets';
import { ProvidersRepository, type HealthStatus, type ProviderRow } from './providers.repository';

/** Probes run side by side, at most this many at a time. */
const CONCURRENCY = 8;

export interface ProbeResult {
  status: HealthStatus;
  response_time_ms: number | null;
  error_message: string;
}

/**
 * One health round (docs/integrations.md, Health): `GET {api_base_url}/health/`
 * of every active provider; a 2xx is `healthy`, or `degraded` when slower than
 * INTEGRATIONS_HEALTH_DEGRADED_MS; anything else (an error status, a refused
 * destination, a timeout) is `down`. The round is a repeatable job, so one
 * replica runs it per interval.
 */
@Injectable()
export class HealthProber {
  private readonly logger = new Logger('Integrations');

  constructor(
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    private readonly providers: ProvidersRepository,
    private readonly http: PartnerHttp,
    private readonly secrets: ProviderSecrets,
  ) {}

  /** `round` names the run (the job's id); partners see it in `X-Sluice-Health-Round`. */
  async probeAll(round: string): Promise<number> {
    const targets = await this.providers.probeTargets();
    let next = 0;
    const worker = async () => {
      while (next < targets.length) {
        const provider = targets[next++];
        const result = await this.probe(provider, round);
        await this.providers.recordHealth({ provider_id: provider.id, tenant_id: provider.tenant_id, last_check: new Date(), ...result });
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, targets.length) }, worker));
    return targets.length;
  }

  async probe(provider: ProviderRow, round: string): Promise<ProbeResult> {
    const started = performance.now();
    try {
      const response = await this.http.get(joinUrl(provider.api_base_url as string, 'health/'), { authType: provider.auth_type, secret: this.secret(provider) }, { 'x-sluice-health-round': round });
      if (response.status < 200 || response.status > 299) return { status: 'down', response_time_ms: response.elapsedMs, error_message: `HTTP ${response.status}` };
      if (response.elapsedMs > this.config.integrations.degradedMs) {
        return { status: 'degraded', response_time_ms: response.elapsedMs, error_message: `Answered in ${response.elapsedMs} ms (slower than ${this.config.integrations.degradedMs} ms)` };
      }
      return { status: 'healthy', response_time_ms: response.elapsedMs, error_message: '' };
    } catch (error) {
      return { status: 'down', response_time_ms: Math.round(performance.now() - started), error_message: describe(error) };
    }
  }

  private secret(provider: ProviderRow): string | null {
    try {
      return this.secrets.open(provider);
    } catch (error) {
      this.logger.warn(`Provider ${provider.id}: its secret does not open (${describe(error)}); probed without credentials`);
      return null;
    }
  }
}

export function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  const detail = cause instanceof Error && cause.message !== error.message ? `: ${cause.message}` : '';
  return `${error.message}${detail}`.slice(0, 500);
}
