import { ApiProperty } from '@nestjs/swagger';
import type { SameShape } from '@sluice/platform/openapi';
import type { CheckoutService, CheckoutView, PricingTableSessionView } from '../checkout.service';

export class CheckoutSessionResponseDto {
  @ApiProperty({ description: 'Stripe Checkout session id (cs_…)' })
  id!: string;

  @ApiProperty({ description: "Stripe's hosted checkout page: send the browser there" })
  url!: string;
}

export class PortalSessionResponseDto {
  @ApiProperty({ description: "Stripe's customer portal for the tenant: send the browser there" })
  url!: string;
}

/** What Stripe's embedded pricing table needs when a pricing table is set. */
export class PricingTableSessionResponseDto {
  @ApiProperty({ description: 'Stripe pricing table id (prctbl_…)' })
  pricing_table_id!: string;

  @ApiProperty({ format: 'uuid', description: 'The tenant id, which the webhook reads back from the completed checkout' })
  client_reference_id!: string;

  @ApiProperty({ description: "Stripe customer session secret for the tenant's customer" })
  customer_session_client_secret!: string;
}

const _checkoutInSync: SameShape<CheckoutView, CheckoutSessionResponseDto> = true;
const _portalInSync: SameShape<Awaited<ReturnType<CheckoutService['portal']>>, PortalSessionResponseDto> = true;
const _pricingTableSessionInSync: SameShape<PricingTableSessionView, PricingTableSessionResponseDto> = true;
