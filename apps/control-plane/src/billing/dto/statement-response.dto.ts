import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { SameShape } from '@sluice/platform/openapi';
import type { StatementLineView, StatementView } from '../statements.service';

const MICROS = { type: 'integer', description: 'Millionths of a USD' } as const;

export class StatementLineResponseDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: ['usage', 'adjustment', 'plan_fee'] })
  kind!: StatementLineView['kind'];

  @ApiProperty({ type: String, nullable: true })
  model!: string | null;

  @ApiProperty({ type: String, nullable: true })
  environment!: string | null;

  @ApiProperty({ type: 'integer' })
  requests!: number;

  @ApiProperty({ type: 'integer' })
  prompt_tokens!: number;

  @ApiProperty({ type: 'integer' })
  completion_tokens!: number;

  @ApiProperty(MICROS)
  amount_micros!: number;

  @ApiProperty()
  amount_usd!: number;

  @ApiProperty({ type: String, nullable: true, description: 'The Stripe invoice item of a postpaid usage line, once sent' })
  stripe_invoice_item_id!: string | null;
}

/** One tenant's completed period (docs/billing.md). */
export class StatementResponseDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ description: "The tenant's slug" })
  tenant!: string;

  @ApiProperty({ format: 'date-time' })
  period_start!: string;

  @ApiProperty({ format: 'date-time' })
  period_end!: string;

  @ApiProperty({ description: 'The plan of the period' })
  plan!: string;

  @ApiProperty({ enum: ['prepaid', 'postpaid'] })
  billing_mode!: StatementView['billing_mode'];

  @ApiProperty({ type: 'integer' })
  requests!: number;

  @ApiProperty(MICROS)
  usage_cost_micros!: number;

  @ApiProperty(MICROS)
  plan_fee_micros!: number;

  @ApiProperty(MICROS)
  credits_used_micros!: number;

  @ApiProperty(MICROS)
  total_micros!: number;

  @ApiProperty()
  total_usd!: number;

  @ApiProperty({ format: 'date-time' })
  closed_at!: string;

  @ApiPropertyOptional({ type: [StatementLineResponseDto], description: 'On a single statement only, not in lists' })
  lines?: StatementLineResponseDto[];
}

const _lineInSync: SameShape<StatementLineView, StatementLineResponseDto> = true;
const _statementInSync: SameShape<StatementView, StatementResponseDto> = true;
