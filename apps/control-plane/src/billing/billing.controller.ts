import { Controller, Get, Headers, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { SluiceException } from '@sluice/platform';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { Public } from '../auth/public.decorator';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { CheckoutService } from './checkout.service';
import { CheckoutQueryDto, PricingTableSessionQueryDto } from './dto/billing.dto';
import { rawBodyOf } from './raw-body';
import { billingNotConfigured } from './stripe-client';
import { StripeEventsService } from './stripe-events.service';
import { verifyStripeEvent } from './webhook-signature';

/** Checkout and portal sessions for a tenant (seed 003's team is a tenant: `{team_id}` is its id or slug). */
@ApiTags('billing')
@Controller('api/billing')
export class BillingController {
  constructor(private readonly checkouts: CheckoutService) {}

  @Get('tenants/:tenant/checkout')
  checkout(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string, @Query() query: CheckoutQueryDto) {
    return this.checkouts.checkout(principal, tenant, query);
  }

  @Get(['tenants/:tenant/portal', 'teams/:tenant/portal'])
  portal(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string) {
    return this.checkouts.portal(principal, tenant);
  }

  @Get(['tenants/:tenant/pricing-table-session', 'teams/:tenant/pricing-table-session'])
  pricingTableSession(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string, @Query() query: PricingTableSessionQueryDto) {
    return this.checkouts.pricingTableSession(principal, tenant, query.plan);
  }
}

/**
 * Stripe's webhook (seed 003's `POST /billing/events` is an alias). Public,
 * and exempt from the anonymous per-address throttle (Stripe sends bursts
 * from few addresses): the signature over the raw body is its gate.
 */
@ApiTags('billing')
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
