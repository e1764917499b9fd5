import { ApiProperty } from '@nestjs/swagger';
import type { SameShape } from '@sluice/platform/openapi';
import type { HeaderWindowView, LiveConcurrencyView, LiveCreditsView, LiveLimitsView, LiveQuotaView, LiveWindowView, QuotaFigureView } from '../limits-view';

const LEVELS = ['tenant', 'team', 'key'];

export class LiveWindowResponseDto {
  @ApiProperty({ enum: LEVELS }) level!: LiveWindowView['level'];
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) team_id!: string | null;
  @ApiProperty({ enum: ['rpm', 'rph', 'rpd', 'tpm', 'tph', 'tpd'] }) limit!: LiveWindowView['limit'];
  @ApiProperty({ type: 'integer', description: 'The limit in force at this level (clamped by the levels above)' }) value!: number;
  @ApiProperty({ type: 'integer' }) used!: number;
  @ApiProperty({ type: 'integer' }) remaining!: number;
  @ApiProperty({ type: 'integer', description: 'End of the window, epoch seconds (as X-RateLimit-Reset)' }) reset!: number;
  @ApiProperty({ format: 'date-time' }) reset_at!: string;
}

export class LiveConcurrencyResponseDto {
  @ApiProperty({ enum: LEVELS }) level!: LiveConcurrencyView['level'];
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) team_id!: string | null;
  @ApiProperty({ type: 'integer' }) value!: number;
  @ApiProperty({ type: 'integer' }) in_use!: number;
  @ApiProperty({ type: 'integer' }) remaining!: number;
}

export class HeaderWindowResponseDto {
  @ApiProperty({ type: 'integer' }) limit!: number;
  @ApiProperty({ type: 'integer' }) remaining!: number;
  @ApiProperty({ type: 'integer' }) reset!: number;
}

export class RateLimitSummaryResponseDto {
  @ApiProperty({ type: HeaderWindowResponseDto, nullable: true, description: 'X-RateLimit-Limit / -Remaining / -Reset' }) requests!: HeaderWindowResponseDto | null;
  @ApiProperty({ type: HeaderWindowResponseDto, nullable: true, description: 'x-ratelimit-limit-tokens / -remaining-tokens' }) tokens!: HeaderWindowResponseDto | null;
}

export class QuotaFigureResponseDto {
  @ApiProperty({ type: 'integer', nullable: true }) limit!: number | null;
  @ApiProperty({ type: 'integer' }) used!: number;
  @ApiProperty({ type: 'integer', nullable: true }) remaining!: number | null;
}

export class LiveQuotaResponseDto {
  @ApiProperty({ format: 'date-time' }) period_start!: string;
  @ApiProperty({ format: 'date-time' }) period_end!: string;
  @ApiProperty({ type: QuotaFigureResponseDto }) api_calls!: QuotaFigureResponseDto;
  @ApiProperty({ type: QuotaFigureResponseDto }) ai_tokens!: QuotaFigureResponseDto;
}

export class LiveCreditsResponseDto {
  @ApiProperty({ enum: ['prepaid', 'postpaid'] }) billing_mode!: LiveCreditsView['billing_mode'];
  @ApiProperty({ type: 'integer', nullable: true, description: 'Micro-USD the gateway admits against' }) balance_micros!: number | null;
  @ApiProperty({ type: 'integer', description: 'Reserved by requests in flight' }) held_micros!: number;
  @ApiProperty({ type: 'integer', nullable: true }) available_micros!: number | null;
}

export class LiveLimitsResponseDto {
  @ApiProperty({ description: "The tenant's slug" }) tenant!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) api_key_id!: string | null;
  @ApiProperty({ format: 'date-time', description: "Redis's clock when the counters were read" }) checked_at!: string;
  @ApiProperty({ type: [LiveWindowResponseDto] }) windows!: LiveWindowResponseDto[];
  @ApiProperty({ type: [LiveConcurrencyResponseDto] }) concurrency!: LiveConcurrencyResponseDto[];
  @ApiProperty({ type: RateLimitSummaryResponseDto }) rate_limit!: RateLimitSummaryResponseDto;
  @ApiProperty({ type: LiveQuotaResponseDto }) quota!: LiveQuotaResponseDto;
  @ApiProperty({ type: LiveCreditsResponseDto }) credits!: LiveCreditsResponseDto;
}

const _windowInSync: SameShape<LiveWindowView, LiveWindowResponseDto> = true;
const _concurrencyInSync: SameShape<LiveConcurrencyView, LiveConcurrencyResponseDto> = true;
const _headerInSync: SameShape<HeaderWindowView, HeaderWindowResponseDto> = true;
const _figureInSync: SameShape<QuotaFigureView, QuotaFigureResponseDto> = true;
const _quotaInSync: SameShape<LiveQuotaView, LiveQuotaResponseDto> = true;
const _creditsInSync: SameShape<LiveCreditsView, LiveCreditsResponseDto> = true;
const _limitsInSync: SameShape<LiveLimitsView, LiveLimitsResponseDto> = true;
