import { ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';
import type { SameShape } from '@sluice/platform/openapi';
import type { PlanView, PlanViewLimits } from '../plan-view';
import type { EntitlementsView, EntitlementView } from '../plans.service';

const LIMIT = { type: Number, nullable: true, description: 'null: no limit of its own' } as const;

export class PlanLimitsResponseDto {
  @ApiProperty(LIMIT)
  rpm!: number | null;

  @ApiProperty(LIMIT)
  rph!: number | null;

  @ApiProperty(LIMIT)
  rpd!: number | null;

  @ApiProperty(LIMIT)
  tpm!: number | null;

  @ApiProperty(LIMIT)
  tph!: number | null;

  @ApiProperty(LIMIT)
  tpd!: number | null;

  @ApiProperty(LIMIT)
  max_concurrency!: number | null;

  @ApiProperty(LIMIT)
  api_calls_per_period!: number | null;

  @ApiProperty(LIMIT)
  ai_tokens_per_period!: number | null;

  @ApiProperty(LIMIT)
  max_users!: number | null;

  @ApiProperty(LIMIT)
  max_keys!: number | null;
}

const ENTITLEMENT_VALUES: ApiPropertyOptions = { type: 'object', additionalProperties: { oneOf: [{ type: 'boolean' }, { type: 'number' }] } };

export class PlanResponseDto {
  @ApiProperty()
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ enum: ['prepaid', 'postpaid'] })
  billing_mode!: PlanView['billing_mode'];

  @ApiProperty({ type: 'integer' })
  price_monthly_cents!: number;

  @ApiProperty({ type: 'integer' })
  period_days!: number;

  @ApiProperty({ type: PlanLimitsResponseDto })
  limits!: PlanLimitsResponseDto;

  @ApiProperty({ type: [String], nullable: true, description: 'null: every model' })
  allowed_models!: string[] | null;

  @ApiProperty(ENTITLEMENT_VALUES)
  entitlements!: Record<string, boolean | number>;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ format: 'date-time' })
  updated_at!: string;
}

/** Every entitlement of a tenant's plan (no `feature` asked). */
export class EntitlementsResponseDto {
  @ApiProperty({ format: 'uuid' })
  tenant!: string;

  @ApiProperty()
  plan!: string;

  @ApiProperty(ENTITLEMENT_VALUES)
  entitlements!: Record<string, boolean | number>;
}

/** One entitlement (`feature` asked). */
export class EntitlementResponseDto {
  @ApiProperty({ format: 'uuid' })
  tenant!: string;

  @ApiProperty()
  plan!: string;

  @ApiProperty()
  feature!: string;

  @ApiProperty({ description: 'Whether the plan grants it: true, or a number above zero' })
  entitled!: boolean;

  @ApiProperty({ oneOf: [{ type: 'boolean' }, { type: 'number' }], nullable: true, description: "The plan's value; null when the plan does not mention the feature" })
  value!: boolean | number | null;
}

const _limitsInSync: SameShape<PlanViewLimits, PlanLimitsResponseDto> = true;
const _planInSync: SameShape<PlanView, PlanResponseDto> = true;
const _entitlementsInSync: SameShape<EntitlementsView, EntitlementsResponseDto> = true;
const _entitlementInSync: SameShape<EntitlementView, EntitlementResponseDto> = true;
