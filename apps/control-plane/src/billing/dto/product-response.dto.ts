import { ApiProperty } from '@nestjs/swagger';
import type { SameShape } from '@sluice/platform/openapi';
import type { ProductsService, ProductView } from '../products.service';

const COUNT = { type: 'integer', nullable: true } as const;

/** A product: a plan under the older team-based billing API's field names (docs/billing.md); null means no limit of its own. */
export class ProductResponseDto {
  @ApiProperty({ description: 'The plan id' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ ...COUNT, description: 'plan limit max_users' })
  user_count!: number | null;

  @ApiProperty({ ...COUNT, description: 'keys one member may own' })
  keys_per_user!: number | null;

  @ApiProperty({ ...COUNT, description: 'plan limit max_keys' })
  total_key_count!: number | null;

  @ApiProperty({ ...COUNT, description: 'keys owned by no user' })
  service_key_count!: number | null;

  @ApiProperty({ type: Number, nullable: true, description: "default and ceiling of a key's budget_usd" })
  max_budget_per_key!: number | null;

  @ApiProperty({ ...COUNT, description: "default and ceiling of a key's rpm" })
  rpm_per_key!: number | null;

  @ApiProperty({ ...COUNT, description: 'stored and returned' })
  vector_db_count!: number | null;

  @ApiProperty({ type: String, nullable: true, description: 'stored and returned, e.g. "10GB"' })
  vector_db_storage!: string | null;

  @ApiProperty({ type: 'integer', description: 'plan period_days' })
  renewal_period_days!: number;

  @ApiProperty({ description: 'an inactive product cannot be checked out or assigned' })
  active!: boolean;

  @ApiProperty({ enum: ['prepaid', 'postpaid'] })
  billing_mode!: ProductView['billing_mode'];

  @ApiProperty({ type: 'integer' })
  price_monthly_cents!: number;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ format: 'date-time' })
  updated_at!: string;
}

export class PricingTableResponseDto {
  @ApiProperty({ type: String, nullable: true, description: 'Stripe pricing table id (prctbl_…); null: none, checkout subscribes to one plan' })
  pricing_table_id!: string | null;
}

const _productInSync: SameShape<ProductView, ProductResponseDto> = true;
const _pricingTableInSync: SameShape<Awaited<ReturnType<ProductsService['pricingTable']>>, PricingTableResponseDto> = true;
