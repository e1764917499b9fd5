import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { toPage } from '@sluice/platform';
import { ApiErrorResponses, ApiPageResponse, PaginationQueryDto } from '@sluice/platform/openapi';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { CreateWebhookEndpointDto, ListWebhookEndpointsQueryDto, RotateWebhookSecretDto, UpdateWebhookEndpointDto } from './dto/webhook.dto';
import { WebhookDeliveryResponseDto, WebhookEndpointResponseDto, WebhookEndpointWithSecretResponseDto, WebhookTestResponseDto } from './dto/webhook-response.dto';
import { WebhookDeliveriesService } from './webhook-deliveries.service';
import { WebhooksService } from './webhooks.service';

type RequestHeaders = Record<string, string | string[] | undefined>;

@ApiTags('webhooks')
@ApiErrorResponses(400, 403, 404, 409, 429)
@Controller('api/webhooks')
export class WebhooksController {
  constructor(
    private readonly webhooks: WebhooksService,
    private readonly deliveries: WebhookDeliveriesService,
  ) {}

  @Get()
  @ApiPageResponse(WebhookEndpointResponseDto)
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListWebhookEndpointsQueryDto, @Req() request: FastifyRequest) {
    const { count, results } = await this.webhooks.list(principal, query, request.headers);
    return toPage(request, query, count, results);
  }

  @Post()
  @ApiCreatedResponse({ type: WebhookEndpointWithSecretResponseDto, description: 'The endpoint and its signing secret, shown only here' })
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateWebhookEndpointDto, @Headers() headers: RequestHeaders) {
    return this.webhooks.create(principal, dto, headers);
  }

  @Get(':id')
  @ApiOkResponse({ type: WebhookEndpointResponseDto })
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.webhooks.get(principal, id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: WebhookEndpointResponseDto })
  update(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() dto: UpdateWebhookEndpointDto) {
    return this.webhooks.update(principal, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted, with its delivery log' })
  async remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    await this.webhooks.remove(principal, id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOkResponse({ type: WebhookEndpointWithSecretResponseDto, description: 'The new signing secret, shown only here' })
  rotateSecret(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() dto: RotateWebhookSecretDto) {
    return this.webhooks.rotateSecret(principal, id, dto);
  }

  @Post(':id/test')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: WebhookTestResponseDto, description: 'A webhook.test event is queued for this endpoint' })
  test(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.webhooks.sendTest(principal, id);
  }

  @Get(':id/deliveries')
  @ApiPageResponse(WebhookDeliveryResponseDto)
  async listDeliveries(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Query() query: PaginationQueryDto, @Req() request: FastifyRequest) {
    const { count, results } = await this.deliveries.list(principal, id, query);
    return toPage(request, query, count, results);
  }

  @Post(':id/deliveries/:delivery/redeliver')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: WebhookDeliveryResponseDto, description: 'Queued again with the same webhook-id' })
  redeliver(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Param('delivery') delivery: string) {
    return this.deliveries.redeliver(principal, id, delivery);
  }
}
