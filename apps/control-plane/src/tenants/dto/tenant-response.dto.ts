import { ApiProperty } from '@nestjs/swagger';
import type { SameShape } from '@sluice/platform/openapi';
import type { TenantLimitOverridesView, TenantQuotaView, TenantView } from '../tenant-view';
import { BILLING_STATUSES, type BillingStatus } from '../tenant-billing-status';

export class TenantQuotaResponseDto {
  @ApiProperty({ type: 'integer' })
  api_calls_limit!: number;

  @ApiProperty({ type: 'integer' })
  api_calls_used!: number;

  @ApiProperty()
  api_calls_percentage!: number;

  @ApiProperty({ type: 'integer' })
  ai_tokens_limit!: number;

  @ApiProperty({ type: 'integer' })
  ai_tokens_used!: number;

  @ApiProperty()
  ai_tokens_percentage!: number;

  @ApiProperty()
  storage_limit_gb!: number;

  @ApiProperty()
  storage_used_gb!: number;

  @ApiProperty()
  storage_percentage!: number;

  @ApiProperty({ type: 'integer' })
  max_users!: number;

  @ApiProperty({ type: 'integer' })
  current_users!: number;

  @ApiProperty({ format: 'date-time', description: 'End of the current quota period' })
  quota_reset_at!: string;

  @ApiProperty({ format: 'date-time' })
  last_reset_at!: string;
}

const OVERRIDE = { type: 'integer', nullable: true, description: "The tenant's own value; null = its plan's" } as const;

export class TenantLimitOverridesResponseDto {
  @ApiProperty(OVERRIDE) rpm!: number | null;
  @ApiProperty(OVERRIDE) rph!: number | null;
  @ApiProperty(OVERRIDE) rpd!: number | null;
  @ApiProperty(OVERRIDE) tpm!: number | null;
  @ApiProperty(OVERRIDE) tph!: number | null;
  @ApiProperty(OVERRIDE) tpd!: number | null;
  @ApiProperty(OVERRIDE) max_concurrency!: number | null;
}

export class TenantResponseDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty()
  slug!: string;

  @ApiProperty()
  domain!: string;

  @ApiProperty({ enum: ['pending', 'active', 'suspended', 'deleted'] })
  status!: TenantView['status'];

  @ApiProperty()
  subscription_tier!: string;

  @ApiProperty()
  contact_email!: string;

  @ApiProperty()
  contact_name!: string;

  @ApiProperty()
  contact_phone!: string;

  @ApiProperty()
  billing_email!: string;

  @ApiProperty({ description: 'The billing contact of the older billing API (docs/billing.md)' })
  admin_email!: string;

  @ApiProperty({ description: 'The same as contact_phone, under the older billing API\'s name' })
  phone!: string;

  @ApiProperty()
  billing_address!: string;

  @ApiProperty({ type: String, nullable: true, description: "The tenant's Stripe customer, set by its first checkout; read-only" })
  stripe_customer_id!: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time', description: 'When Stripe last reported a paid invoice; read-only' })
  last_payment!: string | null;

  @ApiProperty({ enum: BILLING_STATUSES, description: 'active: paid up; past_due: a payment failed and the grace period runs; suspended: suspended for non-payment. Read-only' })
  billing_status!: BillingStatus;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ format: 'date-time' })
  updated_at!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  activated_at!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  suspended_at!: string | null;

  @ApiProperty()
  suspension_reason!: string;

  @ApiProperty({ type: 'object', additionalProperties: true })
  settings!: Record<string, unknown>;

  @ApiProperty({ type: TenantQuotaResponseDto })
  quota!: TenantQuotaResponseDto;

  @ApiProperty({ type: TenantLimitOverridesResponseDto, description: "Rate limits a platform admin set on this tenant over its plan's" })
  limits!: TenantLimitOverridesResponseDto;

  @ApiProperty({ type: 'integer' })
  user_count!: number;
}

const _quotaInSync: SameShape<TenantQuotaView, TenantQuotaResponseDto> = true;
const _overridesInSync: SameShape<TenantLimitOverridesView, TenantLimitOverridesResponseDto> = true;
const _tenantInSync: SameShape<TenantView, TenantResponseDto> = true;
