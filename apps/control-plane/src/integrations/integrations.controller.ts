import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { toPage } from '@sluice/platform';
import { ApiErrorResponses, ApiPageResponse } from '@sluice/platform/openapi';
import type { FastifyRequest } from 'fastify';
import { rawBodyOf } from '../common/raw-body';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { Public } from '../auth/public.decorator';
import { EventResponseDto, InboundReceiptDto, ListEventsQueryDto } from './dto/event.dto';
import { HealthQueryDto, HealthResponseDto } from './dto/health.dto';
import { CreateProviderDto, ListProvidersQueryDto, UpdateProviderDto } from './dto/provider.dto';
import { ProviderResponseDto } from './dto/provider-response.dto';
import { ListSyncsQueryDto, SyncResponseDto, TriggerSyncDto } from './dto/sync.dto';
import { EventsService } from './events.service';
import { HealthService } from './health.service';
import { InboundService } from './inbound.service';
import { ProvidersService } from './providers.service';
import { SyncService } from './sync.service';

type RequestHeaders = Record<string, string | string[] | undefined>;

/** A tenant's integration providers (docs/integrations.md). */
@ApiTags('integrations')
@ApiErrorResponses(400, 403, 404, 409, 429)
@Controller('api/integrations/providers')
export class ProvidersController {
  constructor(private readonly providers: ProvidersService) {}

  @Get()
  @ApiPageResponse(ProviderResponseDto)
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListProvidersQueryDto, @Req() request: FastifyRequest) {
    const { count, results } = await this.providers.list(principal, query, request.headers);
    return toPage(request, query, count, results);
  }

  @Post()
  @ApiCreatedResponse({ type: ProviderResponseDto })
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateProviderDto, @Headers() headers: RequestHeaders) {
    return this.providers.create(principal, dto, headers);
  }

  @Get(':id')
  @ApiOkResponse({ type: ProviderResponseDto })
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.providers.get(principal, id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: ProviderResponseDto })
  update(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() dto: UpdateProviderDto) {
    return this.providers.update(principal, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted, with its events, health and syncs' })
  async remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    await this.providers.remove(principal, id);
  }
}

/** The inbound event log (`webhook-events` is an alias of `events`). */
@ApiTags('integrations')
@ApiErrorResponses(400, 403, 404, 409, 429)
@Controller('api/integrations')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Get(['events', 'webhook-events'])
  @ApiPageResponse(EventResponseDto)
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListEventsQueryDto, @Req() request: FastifyRequest) {
    const { count, results } = await this.events.list(principal, query, request.headers);
    return toPage(request, query, count, results);
  }

  @Get(['events/:id', 'webhook-events/:id'])
  @ApiOkResponse({ type: EventResponseDto })
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.events.get(principal, id);
  }

  @Post(['events/:id/retry', 'webhook-events/:id/retry'])
  @HttpCode(202)
  @ApiAcceptedResponse({ type: EventResponseDto, description: 'Queued for processing again (409 when already processed)' })
  retry(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.events.retry(principal, id);
  }
}

/** Provider health and data syncs. */
@ApiTags('integrations')
@ApiErrorResponses(400, 403, 404, 409, 429)
@Controller('api/integrations')
export class IntegrationStatusController {
  constructor(
    private readonly health: HealthService,
    private readonly syncs: SyncService,
  ) {}

  @Get('health')
  @ApiOkResponse({ type: HealthResponseDto })
  overview(@CurrentPrincipal() principal: Principal, @Query() query: HealthQueryDto, @Headers() headers: RequestHeaders) {
    return this.health.overview(principal, query.tenant, headers);
  }

  @Post('sync/trigger')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: SyncResponseDto, description: 'The sync, queued' })
  trigger(@CurrentPrincipal() principal: Principal, @Body() dto: TriggerSyncDto, @Headers() headers: RequestHeaders) {
    return this.syncs.trigger(principal, dto, headers);
  }

  @Get('data-sync')
  @ApiPageResponse(SyncResponseDto)
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListSyncsQueryDto, @Req() request: FastifyRequest) {
    const { count, results } = await this.syncs.list(principal, query, request.headers);
    return toPage(request, query, count, results);
  }

  @Get('data-sync/:id')
  @ApiOkResponse({ type: SyncResponseDto })
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.syncs.get(principal, id);
  }
}

/**
 * Partners' webhooks. Public, and exempt from the anonymous per-address
 * throttle: each provider has its own rate limit, its optional address
 * allow-list and its signature (docs/integrations.md, Inbound).
 */
@ApiTags('integrations')
@ApiErrorResponses(400, 401, 403, 404, 429, 503)
@Controller('api/integrations')
@Public()
@SkipThrottle()
export class InboundWebhookController {
  constructor(private readonly inbound: InboundService) {}

  @Post('webhooks/:service')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: InboundReceiptDto, description: 'Stored (or already stored: duplicate) and queued for processing' })
  @ApiBody({
    description: '`{event_type, event_id, data}`, or any JSON object with the type in X-Event-Type (docs/integrations.md)',
    schema: { type: 'object', properties: { event_type: { type: 'string' }, event_id: { type: 'string' }, data: { type: 'object', additionalProperties: true } }, additionalProperties: true },
  })
  receive(@Param('service') service: string, @Req() request: FastifyRequest, @Body() body: unknown) {
    return this.inbound.receive({ service, headers: request.headers, raw: rawBodyOf(request), body, clientIp: request.ip });
  }
}
