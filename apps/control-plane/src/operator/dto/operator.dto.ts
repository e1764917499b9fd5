import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNumberWithDecimals } from '@sluice/platform/validation';
import { PaginationQueryDto, type SameShape } from '@sluice/platform/openapi';
import { IsOptional, Max, Min } from 'class-validator';
import { Type } from 'class-transformer';
import type {
  BalanceView,
  CacheStatusView,
  ErrorCountsView,
  GatewaySeenView,
  MonitorView,
  PriceRangeView,
  ProviderView,
  RefreshModelsView,
  StatusCountView,
  TopModelView,
  TopTenantView,
  UsageTotalsView,
} from '../operator-views';

export class BalancesQueryDto extends PaginationQueryDto {
  /** Only tenants whose ledger balance is below this many USD. */
  @ApiPropertyOptional({ description: 'Only balances below this (USD)' })
  @IsOptional()
  @Type(() => Number)
  @IsNumberWithDecimals(6)
  @Min(-1_000_000_000)
  @Max(1_000_000_000)
  low_balance_below_usd?: number;
}

export class RefreshModelsResponseDto {
  @ApiProperty({ type: [String] }) regions_created!: string[];
  @ApiProperty({ type: [String] }) regions_updated!: string[];
  @ApiProperty({ type: [String] }) models_created!: string[];
  @ApiProperty({ type: [String] }) models_updated!: string[];
  @ApiProperty() changed!: number;
}

class RecordCountsDto {
  @ApiProperty() api_key!: number;
  @ApiProperty() tenant!: number;
  @ApiProperty() catalog!: number;
}

class OutboxDto {
  @ApiProperty() backlog!: number;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) oldest_at!: string | null;
}

class UsageStreamDto {
  @ApiProperty() length!: number;
  @ApiProperty({ type: Number, nullable: true }) pending!: number | null;
  @ApiProperty({ type: Number, nullable: true }) lag!: number | null;
}

export class GatewaySeenResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty() version!: string;
  @ApiProperty() projection_age_ms!: number;
  @ApiProperty() projection_ready!: boolean;
  @ApiProperty() invalidations_applied!: number;
  @ApiProperty() cached_entries!: number;
  @ApiProperty({ format: 'date-time' }) last_seen_at!: string;
}

export class CacheStatusResponseDto {
  @ApiProperty({ type: RecordCountsDto }) records!: RecordCountsDto;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) last_full_rebuild_at!: string | null;
  @ApiProperty({ type: OutboxDto }) outbox!: OutboxDto;
  @ApiProperty() invalidations_published!: number;
  @ApiProperty({ type: UsageStreamDto }) usage_stream!: UsageStreamDto;
  @ApiProperty({ type: [GatewaySeenResponseDto] }) gateways!: GatewaySeenResponseDto[];
}

class UsageTotalsDto {
  @ApiProperty() requests!: number;
  @ApiProperty() tokens!: number;
  @ApiProperty() cost_usd!: number;
}

class TopTenantDto extends UsageTotalsDto {
  @ApiProperty({ format: 'uuid' }) tenant!: string;
  @ApiProperty() slug!: string;
}

class TopModelDto extends UsageTotalsDto {
  @ApiProperty() model!: string;
}

class StatusCountDto {
  @ApiProperty() status!: string;
  @ApiProperty() count!: number;
}

class MonitorStreamDto extends UsageStreamDto {
  @ApiProperty() dead_letters!: number;
}

class ErrorCountsDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    description: 'Error code → inference requests the gateways answered with it',
    example: { invalid_api_key: 3, rate_limit_exceeded: 12 },
  })
  by_reason!: Record<string, number>;
  @ApiProperty() total!: number;
}

export class MonitorResponseDto {
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ type: [StatusCountDto] }) tenants_by_status!: StatusCountDto[];
  @ApiProperty({ type: UsageTotalsDto }) today!: UsageTotalsDto;
  @ApiProperty({ type: UsageTotalsDto }) month!: UsageTotalsDto;
  @ApiProperty({ type: [TopTenantDto] }) top_tenants!: TopTenantDto[];
  @ApiProperty({ type: [TopModelDto] }) top_models!: TopModelDto[];
  @ApiProperty({ type: MonitorStreamDto }) usage_stream!: MonitorStreamDto;
  @ApiProperty() credit_liabilities_usd!: number;
  @ApiProperty() gateways_seen!: number;
  @ApiProperty({ type: ErrorCountsDto }) errors_today!: ErrorCountsDto;
  @ApiProperty({ type: ErrorCountsDto }) errors_month!: ErrorCountsDto;
}

export class BalanceResponseDto {
  @ApiProperty({ format: 'uuid' }) tenant!: string;
  @ApiProperty() slug!: string;
  @ApiProperty() name!: string;
  @ApiProperty() plan!: string;
  @ApiProperty() ledger_balance_usd!: number;
  @ApiProperty({ type: Number, nullable: true }) live_balance_usd!: number | null;
}

class PriceRangeDto {
  @ApiProperty() min!: number;
  @ApiProperty() max!: number;
}

class ProviderPricingDto {
  @ApiProperty({ type: PriceRangeDto }) input_per_mtok_usd!: PriceRangeDto;
  @ApiProperty({ type: PriceRangeDto }) output_per_mtok_usd!: PriceRangeDto;
}

class ProviderHealthDto {
  @ApiProperty() gateways_reporting!: number;
  @ApiProperty({ type: [String], description: 'Deployments whose breaker is open on some gateway' }) open!: string[];
  @ApiProperty({ type: [String] }) half_open!: string[];
}

export class ProviderResponseDto {
  @ApiProperty() provider!: string;
  @ApiProperty({ type: [String] }) models!: string[];
  @ApiProperty() deployments!: number;
  @ApiProperty({ type: [String] }) regions!: string[];
  @ApiProperty({ type: ProviderPricingDto }) pricing!: ProviderPricingDto;
  @ApiProperty({ type: ProviderHealthDto }) health!: ProviderHealthDto;
}

const _refreshInSync: SameShape<RefreshModelsView, RefreshModelsResponseDto> = true;
const _gatewayInSync: SameShape<GatewaySeenView, GatewaySeenResponseDto> = true;
const _cacheInSync: SameShape<CacheStatusView, CacheStatusResponseDto> = true;
const _totalsInSync: SameShape<UsageTotalsView, UsageTotalsDto> = true;
const _topTenantInSync: SameShape<TopTenantView, TopTenantDto> = true;
const _topModelInSync: SameShape<TopModelView, TopModelDto> = true;
const _statusInSync: SameShape<StatusCountView, StatusCountDto> = true;
const _errorsInSync: SameShape<ErrorCountsView, ErrorCountsDto> = true;
const _monitorInSync: SameShape<MonitorView, MonitorResponseDto> = true;
const _balanceInSync: SameShape<BalanceView, BalanceResponseDto> = true;
const _rangeInSync: SameShape<PriceRangeView, PriceRangeDto> = true;
const _providerInSync: SameShape<ProviderView, ProviderResponseDto> = true;
