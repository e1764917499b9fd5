import { ApiProperty } from '@nestjs/swagger';
import type { SameShape } from '@sluice/platform/openapi';
import type { StripeEventOutcome } from '@sluice/control-plane/data-access';
import type { StripeWebhookController } from '../billing.controller';

const OUTCOMES = Object.keys({
  processing: true,
  applied: true,
  ignored: true,
  stale: true,
  unknown_tenant: true,
  unknown_plan: true,
  unpaid: true,
} satisfies Record<StripeEventOutcome, true>);

/** The webhook's acknowledgement: Stripe only needs the 200; the rest says what became of the event. */
export class StripeWebhookResponseDto {
  @ApiProperty({ description: 'Always true: the event is verified and recorded' })
  received!: boolean;

  @ApiProperty({ description: 'Stripe event id (evt_…)' })
  id!: string;

  @ApiProperty({ description: 'True when this event was delivered before: it is not applied again' })
  duplicate!: boolean;

  @ApiProperty({ enum: OUTCOMES, description: 'What the event did (docs/billing.md)' })
  outcome!: StripeEventOutcome;
}

const _webhookInSync: SameShape<Awaited<ReturnType<StripeWebhookController['receive']>>, StripeWebhookResponseDto> = true;
