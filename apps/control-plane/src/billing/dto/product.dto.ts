import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { PLAN_ID_PATTERN } from '../../plans/dto/plan.dto';
import { STORAGE_SIZE } from '../../common/storage-size';

const COUNT_MAX = 1_000_000_000;

/** The older team-based billing API's product fields; each maps onto the plan of the same id (docs/billing.md). */
class ProductFieldsDto {
  @ApiPropertyOptional({ type: 'integer', description: 'plan limit max_users', nullable: true }) @IsOptional() @IsInt() @Min(1) @Max(COUNT_MAX) user_count?: number | null;
  @ApiPropertyOptional({ type: 'integer', description: 'keys one member may own', nullable: true }) @IsOptional() @IsInt() @Min(0) @Max(COUNT_MAX) keys_per_user?: number | null;
  @ApiPropertyOptional({ type: 'integer', description: 'plan limit max_keys', nullable: true }) @IsOptional() @IsInt() @Min(0) @Max(COUNT_MAX) total_key_count?: number | null;
  @ApiPropertyOptional({ type: 'integer', description: 'keys owned by no user', nullable: true }) @IsOptional() @IsInt() @Min(0) @Max(COUNT_MAX) service_key_count?: number | null;
  @ApiPropertyOptional({ type: Number, description: "default and ceiling of a key's budget_usd", nullable: true })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 6 })
  @Min(0)
  @Max(COUNT_MAX)
  max_budget_per_key?: number | null;
  @ApiPropertyOptional({ type: 'integer', description: "default and ceiling of a key's rpm", nullable: true }) @IsOptional() @IsInt() @Min(1) @Max(COUNT_MAX) rpm_per_key?: number | null;
  @ApiPropertyOptional({ type: 'integer', description: 'private AI keys (each with a database) a tenant may hold; null: no cap (docs/private-ai-keys.md)', nullable: true }) @IsOptional() @IsInt() @Min(0) @Max(COUNT_MAX) vector_db_count?: number | null;
  @ApiPropertyOptional({ type: String, description: 'stored and returned, e.g. "10GB"', nullable: true }) @IsOptional() @IsString() @Matches(STORAGE_SIZE, { message: 'vector_db_storage must be a size such as 10GB' }) vector_db_storage?: string | null;
  @ApiPropertyOptional({ description: 'plan period_days', minimum: 1, maximum: 366 }) @IsOptional() @IsInt() @Min(1) @Max(366) renewal_period_days?: number;
  @ApiPropertyOptional({ description: 'an inactive product cannot be checked out or assigned' }) @IsOptional() @IsBoolean() active?: boolean;
  @ApiPropertyOptional({ minimum: 0 }) @IsOptional() @IsInt() @Min(0) @Max(COUNT_MAX) price_monthly_cents?: number;
  @ApiPropertyOptional({ enum: ['prepaid', 'postpaid'] }) @IsOptional() @IsIn(['prepaid', 'postpaid']) billing_mode?: 'prepaid' | 'postpaid';
}

export class CreateProductDto extends ProductFieldsDto {
  @ApiProperty({ pattern: PLAN_ID_PATTERN.source }) @IsString() @Matches(PLAN_ID_PATTERN, { message: 'id must be a plan id (a-z 0-9 -)' }) id!: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(150) name!: string;
}

export class UpdateProductDto extends ProductFieldsDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(150) name?: string;
}

export class PricingTableDto {
  @ApiProperty({ type: String, nullable: true, description: 'Stripe pricing table id; null removes it' })
  @IsOptional()
  @IsString()
  @Matches(/^prctbl_[A-Za-z0-9]{1,64}$/, { message: 'pricing_table_id must be a Stripe pricing table id (prctbl_…)' })
  pricing_table_id!: string | null;
}
