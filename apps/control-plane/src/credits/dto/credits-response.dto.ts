import { ApiProperty } from '@nestjs/swagger';
import type { SameShape } from '@sluice/platform/openapi';
import type { CreditEntryView } from '../credits-view';
import type { CreditBalanceView, TopUpView } from '../credits.service';

export class CreditEntryResponseDto {
  @ApiProperty({ type: 'integer' })
  id!: number;

  @ApiProperty({ enum: ['top_up', 'usage'] })
  kind!: CreditEntryView['kind'];

  @ApiProperty({ type: 'integer', description: 'Millionths of a US dollar; negative for usage' })
  amount_micros!: number;

  @ApiProperty()
  amount_usd!: number;

  @ApiProperty({ type: String, nullable: true })
  request_id!: string | null;

  @ApiProperty()
  reason!: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  created_by!: string | null;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;
}

export class CreditBalanceResponseDto {
  @ApiProperty({ format: 'uuid' })
  tenant!: string;

  @ApiProperty({ enum: ['prepaid', 'postpaid'] })
  billing_mode!: CreditBalanceView['billing_mode'];

  @ApiProperty({ type: 'integer', description: "The ledger's balance: top-ups minus the usage metered so far" })
  balance_micros!: number;

  @ApiProperty()
  balance_usd!: number;

  @ApiProperty({ type: 'integer', nullable: true, description: 'What the gateway admits against now; null when Redis is unavailable' })
  live_balance_micros!: number | null;
}

export class TopUpResponseDto extends CreditBalanceResponseDto {
  @ApiProperty({ type: CreditEntryResponseDto })
  entry!: CreditEntryResponseDto;
}

const _entryInSync: SameShape<CreditEntryView, CreditEntryResponseDto> = true;
const _balanceInSync: SameShape<CreditBalanceView, CreditBalanceResponseDto> = true;
const _topUpInSync: SameShape<TopUpView, TopUpResponseDto> = true;
