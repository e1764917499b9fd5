import { Injectable } from '@nestjs/common';
import { isUuid } from '@sluice/contracts';
import { SluiceException } from '@sluice/platform';
import { pageWindow } from '@sluice/platform/openapi';
import type { Principal } from '../auth/principal';
import { notFound, TenantAccess } from '../auth/tenant-access';
import type { ListEventsQueryDto } from './dto/event.dto';
import { EventProcessing } from './event-processing';
import { EventsRepository, type EventRow, type EventStatus } from './events.repository';

type Headers = Record<string, string | string[] | undefined>;

export interface EventView {
  id: string;
  tenant: string;
  provider: string;
  provider_id: string;
  event_id: string;
  event_type: string;
  payload: Record<string, unknown>;
  status: EventStatus;
  retry_count: number;
  outcome: string | null;
  error: string | null;
  created_at: string;
  processed_at: string | null;
}

/** The inbound event log and the retry by hand. */
@Injectable()
export class EventsService {
  constructor(
    private readonly events: EventsRepository,
    private readonly processing: EventProcessing,
    private readonly access: TenantAccess,
  ) {}

  async list(principal: Principal, query: ListEventsQueryDto, headers: Headers): Promise<{ count: number; results: EventView[] }> {
    const tenantIds = await this.access.visibleTenantIds(principal, query.tenant, headers);
    const slice = await this.events.list(tenantIds, { provider: query.provider, eventType: query.event_type, status: query.status }, { ...pageWindow(query), ordering: query.ordering });
    return { count: slice.count, results: slice.rows.map(eventView) };
  }

  async get(principal: Principal, id: string): Promise<EventView> {
    return eventView(await this.load(principal, id, false));
  }

  /** Processes the event again (a failed one, typically); a processed event is not applied twice: 409. */
  async retry(principal: Principal, id: string): Promise<EventView> {
    const event = await this.load(principal, id, true);
    if (!(await this.events.reopen(event.tenant_id, id))) throw new SluiceException('conflict', 'This event is already processed', {}, 'id');
    await this.processing.runNow(id);
    return eventView((await this.events.findById(event.tenant_id, id)) as EventRow);
  }

  private async load(principal: Principal, id: string, manage: boolean): Promise<EventRow> {
    const tenantId = isUuid(id) ? await this.events.tenantOf(id) : null;
    await this.access.checkResource(principal, tenantId, manage ? 'admin' : 'viewer', 'Integration event');
    const event = await this.events.findById(tenantId as string, id);
    if (!event) throw notFound('Integration event');
    return event;
  }
}

export function eventView(event: EventRow): EventView {
  return {
    id: event.id,
    tenant: event.tenant_id,
    provider: event.provider_name,
    provider_id: event.provider_id,
    event_id: event.event_id,
    event_type: event.event_type,
    payload: event.payload,
    status: event.status,
    retry_count: event.retry_count,
    outcome: event.outcome,
    error: event.error,
    created_at: event.created_at.toISOString(),
    processed_at: event.processed_at?.toISOString() ?? null,
  };
}
