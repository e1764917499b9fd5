import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Post, Put, Query, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiExtraModels, ApiNoContentResponse, ApiOkResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { SluiceException } from '@sluice/platform';
import { ApiErrorResponses } from '@sluice/platform/openapi';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { Public } from '../auth/public.decorator';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { CheckoutService } from './checkout.service';
import { CheckoutQueryDto, PricingTableSessionQueryDto } from './dto/billing.dto';
import { CheckoutSessionResponseDto, PortalSessionResponseDto, PricingTableSessionResponseDto } from './dto/checkout-response.dto';
import { CreateProductDto, PricingTableDto, UpdateProductDto } from './dto/product.dto';
import { PricingTableResponseDto, ProductResponseDto } from './dto/product-response.dto';
import { StripeWebhookResponseDto } from './dto/webhook-response.dto';
import { ProductsService } from './products.service';
import { rawBodyOf } from '../common/raw-body';
import { billingNotConfigured } from './stripe-client';
import { StripeEventsService } from './stripe-events.service';
import { verifyStripeEvent } from './webhook-signature';

/** Checkout and portal sessions for a tenant (the older team-based billing API's team is a tenant: `{team_id}` is its id or slug). */
@ApiTags('billing')
@ApiErrorResponses(403, 404, 409, 429, 502, 503)
@Controller('api/billing')
export class BillingController {
  constructor(private readonly checkouts: CheckoutService) {}

  @Get('tenants/:tenant/checkout')
  @ApiOkResponse({ type: CheckoutSessionResponseDto })
  @ApiErrorResponses(400)
  checkout(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string, @Query() query: CheckoutQueryDto) {
    return this.checkouts.checkout(principal, tenant, query);
  }

  @Get(['tenants/:tenant/portal', 'teams/:tenant/portal'])
  @ApiOkResponse({ type: PortalSessionResponseDto })
  portal(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string) {
    return this.checkouts.portal(principal, tenant);
  }

  @Get(['tenants/:tenant/pricing-table-session', 'teams/:tenant/pricing-table-session'])
  @ApiExtraModels(CheckoutSessionResponseDto, PricingTableSessionResponseDto)
  @ApiOkResponse({
    description: "With a pricing table set, what Stripe's embedded table needs; without one, a subscription checkout",
    schema: { oneOf: [{ $ref: getSchemaPath(PricingTableSessionResponseDto) }, { $ref: getSchemaPath(CheckoutSessionResponseDto) }] },
  })
  @ApiErrorResponses(400)
  pricingTableSession(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string, @Query() query: PricingTableSessionQueryDto) {
    return this.checkouts.pricingTableSession(principal, tenant, query.plan);
  }
}

/**
 * Stripe's webhook (`POST /api/billing/events`, its older name, is an alias). Public,
 * and exempt from the anonymous per-address throttle (Stripe sends bursts
 * from few addresses): the signature over the raw body is its gate.
 */
@ApiTags('billing')
@ApiErrorResponses(400, 503)
@Controller('api/billing')
@Public()
@SkipThrottle()
export class StripeWebhookController {
  constructor(
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    private readonly events: StripeEventsService,
  ) {}

  @Post(['webhooks/stripe', 'events'])
  @HttpCode(200)
  @ApiOkResponse({ type: StripeWebhookResponseDto, description: 'The event is verified and recorded (400 invalid_signature otherwise; 503 billing_not_configured without STRIPE_WEBHOOK_SECRET)' })
  async receive(@Req() request: FastifyRequest, @Headers('stripe-signature') signature: string | undefined) {
    const secret = this.config.billing.webhookSecret;
    if (!secret) throw billingNotConfigured('STRIPE_WEBHOOK_SECRET');
    const raw = rawBodyOf(request);
    const event = raw ? verifyStripeEvent(raw, signature, secret) : null;
    if (!event) throw new SluiceException('invalid_signature', 'The Stripe-Signature header does not verify this body (missing, forged, altered or outside the 5-minute tolerance)', {}, 'Stripe-Signature');
    const handled = await this.events.handle(event);
    return { received: true, ...handled };
  }
}

/** Products (plans under the older team-based billing API's field names) and the pricing table; platform admin. */
@ApiTags('billing')
@ApiErrorResponses(400, 403, 404, 409, 429)
@Controller('api')
export class ProductsController {
  constructor(private readonly products: ProductsService) {}

  @Get('products')
  @ApiOkResponse({ type: [ProductResponseDto] })
  list(@CurrentPrincipal() principal: Principal) {
    return this.products.list(principal);
  }

  @Post('products')
  @ApiCreatedResponse({ type: ProductResponseDto })
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateProductDto) {
    return this.products.create(principal, dto);
  }

  @Get('products/:id')
  @ApiOkResponse({ type: ProductResponseDto })
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.products.get(principal, id);
  }

  @Put('products/:id')
  @ApiOkResponse({ type: ProductResponseDto })
  update(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() dto: UpdateProductDto) {
    return this.products.update(principal, id, dto);
  }

  @Delete('products/:id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    await this.products.remove(principal, id);
  }

  @Get('pricing-tables')
  @ApiOkResponse({ type: PricingTableResponseDto })
  pricingTable(@CurrentPrincipal() principal: Principal) {
    return this.products.pricingTable(principal);
  }

  @Put('pricing-tables')
  @ApiOkResponse({ type: PricingTableResponseDto })
  setPricingTable(@CurrentPrincipal() principal: Principal, @Body() dto: PricingTableDto) {
    return this.products.setPricingTable(principal, dto.pricing_table_id ?? null);
  }
}
