import { Inject, Injectable, Logger } from '@nestjs/common';
import { isIpAllowed } from '@sluice/auth';
import { TenantsRepository } from '@sluice/control-plane/data-access';
import { SluiceException } from '@sluice/platform';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { EventProcessing } from './event-processing';
import { EventsRepository, type EventStatus } from './events.repository';
import { InboundRateLimit } from './inbound-rate-limit';
import { contentEventId, signatureMatches, timestampFresh } from './inbound-signature';
import { ProviderSecrets } from './provider-secrets';
import { ProvidersRepository, type ProviderRow } from './providers.repository';

type Headers = Record<string, string | string[] | undefined>;

export interface InboundDelivery {
  service: string;
  headers: Headers;
  /** The exact bytes received (the signature covers them); absent only when the body was not kept. */
  raw: Buffer | undefined;
  body: unknown;
  clientIp: string;
}

export interface InboundReceipt {
  id: string;
  event_id: string;
  event_type: string;
  status: EventStatus;
  duplicate: boolean;
}

const EVENT_TYPE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;
const EVENT_ID = /^[\x21-\x7e]{1,255}$/;

/** A signature failure is a 401: the sender failed to authenticate (Stripe's route keeps its own 400). */
class InvalidSignature extends SluiceException {
  constructor(message: string) {
    super('invalid_signature', message, {}, 'X-Signature');
  }

  override getStatus(): number {
    return 401;
  }
}

/**
 * Receives a partner's webhook (docs/integrations.md, Inbound): finds the
 * provider (and so the tenant), checks where it comes from, its rate, its
 * signature and timestamp, then stores the event once per event id and
 * leaves its processing to a job. Nothing is stored unless every check passes.
 */
@Injectable()
export class InboundService {
  private readonly logger = new Logger('Integrations');

  constructor(
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    private readonly providers: ProvidersRepository,
    private readonly tenants: TenantsRepository,
    private readonly events: EventsRepository,
    private readonly secrets: ProviderSecrets,
    private readonly rateLimit: InboundRateLimit,
    private readonly processing: EventProcessing,
  ) {}

  async receive(delivery: InboundDelivery): Promise<InboundReceipt> {
    const provider = await this.provider(delivery.service, header(delivery.headers, 'x-tenant-domain') ?? header(delivery.headers, 'x-tenant'));
    if (provider.allowed_ips.length > 0 && !isIpAllowed(delivery.clientIp, provider.allowed_ips)) {
      throw new SluiceException('ip_not_allowed', 'This provider does not accept webhooks from your address');
    }
    await this.rateLimit.admit(provider.id, provider.rate_limit_per_minute ?? this.config.integrations.webhookRatePerMinute);
    this.verify(provider, delivery);
    const event = parseEvent(delivery);
    const raw = delivery.raw ?? Buffer.from(JSON.stringify(delivery.body ?? null));
    const { row, duplicate } = await this.events.receive({
      tenantId: provider.tenant_id,
      providerId: provider.id,
      eventId: event.eventId ?? contentEventId(provider.name, event.eventType, raw),
      eventType: event.eventType,
      payload: event.data,
    });
    if (row.status === 'received') {
      // Stored is what counts: a job lost here is enqueued again by the sweep.
      await this.processing.enqueue(row.id).catch((error: unknown) => this.logger.warn(`Inbound event ${row.id} not enqueued yet: ${error instanceof Error ? error.message : String(error)}`));
    }
    return { id: row.id, event_id: row.event_id, event_type: row.event_type, status: row.status, duplicate };
  }

  /**
   * The provider named `service`: in the tenant the sender names (slug or
   * domain), else the only tenant with a provider of that name.
   */
  private async provider(service: string, tenantReference: string | undefined): Promise<ProviderRow> {
    const missing = new SluiceException('not_found', `No active integration provider named ${service}`);
    if (!EVENT_TYPE.test(service)) throw missing;
    let provider: ProviderRow | null;
    if (tenantReference) {
      const tenant = await this.tenants.findByReference(tenantReference);
      provider = tenant && tenant.status !== 'deleted' ? await this.providers.findByName(tenant.id, service) : null;
    } else {
      const candidates = await this.providers.withName(service);
      if (candidates.length > 1) throw new SluiceException('tenant_required', 'Several tenants have a provider of this name: name yours in X-Tenant-Domain', {}, 'X-Tenant-Domain');
      provider = candidates[0] ?? null;
    }
    if (!provider || !provider.is_active) throw missing;
    // A deleted tenant's providers take nothing in (whichever way the tenant was found).
    if (!tenantReference && (await this.tenants.findById(provider.tenant_id))?.status === 'deleted') throw missing;
    return provider;
  }

  private verify(provider: ProviderRow, delivery: InboundDelivery): void {
    let secret: string | null;
    try {
      secret = this.secrets.open(provider);
    } catch (error) {
      this.logger.error(`Provider ${provider.id}: its secret does not open (${error instanceof Error ? error.message : String(error)})`);
      throw new SluiceException('service_unavailable', 'This provider’s secret cannot be read right now');
    }
    if (secret !== null && !(delivery.raw && signatureMatches(delivery.raw, header(delivery.headers, 'x-signature'), secret))) {
      throw new InvalidSignature('X-Signature must be sha256=<hex HMAC-SHA256 of the raw body> under the provider’s secret (missing, forged or altered)');
    }
    if (!timestampFresh(header(delivery.headers, 'x-webhook-timestamp'))) {
      throw new InvalidSignature('X-Webhook-Timestamp is more than 5 minutes from now (or not a timestamp)');
    }
  }
}

/**
 * Both body styles: `{event_type, event_id?, data}`, or any JSON object with
 * the type in `X-Event-Type` (and an optional `X-Event-Id`).
 */
function parseEvent({ body, headers }: InboundDelivery): { eventType: string; eventId: string | undefined; data: Record<string, unknown> } {
  if (!isObject(body)) throw new SluiceException('validation_error', 'The body must be a JSON object', {}, 'body');
  const enveloped = typeof body['event_type'] === 'string';
  const eventType = enveloped ? (body['event_type'] as string) : header(headers, 'x-event-type');
  if (!eventType || !EVENT_TYPE.test(eventType)) {
    throw new SluiceException('validation_error', 'The event type (body event_type, or X-Event-Type) must be 1-100 letters, digits, _ . : or -', {}, 'event_type');
  }
  const rawId = enveloped ? body['event_id'] : header(headers, 'x-event-id');
  const eventId = typeof rawId === 'number' && Number.isSafeInteger(rawId) ? String(rawId) : rawId;
  if (eventId !== undefined && (typeof eventId !== 'string' || !EVENT_ID.test(eventId))) {
    throw new SluiceException('validation_error', 'event_id must be 1-255 printable characters', {}, 'event_id');
  }
  const data = enveloped ? (body['data'] ?? {}) : body;
  if (!isObject(data)) throw new SluiceException('validation_error', 'data must be a JSON object', {}, 'data');
  return { eventType, eventId, data };
}

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text?.trim() || undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
