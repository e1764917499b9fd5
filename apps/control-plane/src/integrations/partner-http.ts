import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { DestinationPolicy } from '@sluice/auth';
import { Agent, request } from 'undici';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';

/** The largest answer read from a partner service (a sync page); past it the call fails. */
const MAX_RESPONSE_BYTES = 5 * 1024 * 1024;

export interface PartnerResponse {
  status: number;
  body: string;
  elapsedMs: number;
}

export interface PartnerCredentials {
  authType: string;
  secret: string | null;
}

/**
 * The one way the control plane calls a URL a tenant configured (health
 * probes, sync pages): through the destination policy, so a provider URL
 * cannot reach this host, private networks or cloud metadata unless
 * INTEGRATIONS_ALLOWED_PRIVATE_CIDRS opens a range; with a timeout on
 * connecting, on the headers and on the body; without following redirects.
 */
@Injectable()
export class PartnerHttp implements OnModuleDestroy {
  private readonly logger = new Logger('Integrations');
  private readonly agent: Agent;
  private readonly timeoutMs: number;

  constructor(@Inject(CONTROL_PLANE_CONFIG) config: ControlPlaneConfig) {
    this.timeoutMs = config.integrations.fetchTimeoutMs;
    const policy = new DestinationPolicy({
      allowedPrivate: config.integrations.allowedPrivate,
      allowListVariable: 'INTEGRATIONS_ALLOWED_PRIVATE_CIDRS',
      onRefused: (refusal) => this.logger.warn(refusal.message),
    });
    this.agent = new Agent({ connect: policy.connector(this.timeoutMs), headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs });
  }

  async get(url: string, credentials: PartnerCredentials, extraHeaders: Record<string, string> = {}): Promise<PartnerResponse> {
    const started = performance.now();
    const signal = AbortSignal.timeout(this.timeoutMs);
    const response = await request(url, { method: 'GET', dispatcher: this.agent, headers: { accept: 'application/json', ...extraHeaders, ...authHeaders(credentials) }, signal });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += (chunk as Buffer).length;
      if (size > MAX_RESPONSE_BYTES) {
        response.body.destroy();
        throw new Error(`the answer is larger than ${MAX_RESPONSE_BYTES} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
    return { status: response.statusCode, body: Buffer.concat(chunks).toString('utf8'), elapsedMs: Math.round(performance.now() - started) };
  }

  async onModuleDestroy(): Promise<void> {
    await this.agent.destroy();
  }
}

function authHeaders({ authType, secret }: PartnerCredentials): Record<string, string> {
  if (!secret) return {};
  if (authType === 'api_key') return { 'x-api-key': secret };
  if (authType === 'bearer' || authType === 'oauth2') return { authorization: `Bearer ${secret}` };
  return {};
}

/** `base` + `path`, with exactly one slash between. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
