import { ApiProperty } from '@nestjs/swagger';
import { IsNumberWithDecimals } from '@sluice/platform/validation';
import { IsString, Max, MaxLength, Min, MinLength } from 'class-validator';

export const MAX_TOP_UP_USD = 1_000_000_000;

export class TopUpCreditsDto {
  @ApiProperty({ description: 'USD, positive, at most 6 decimals (micro-dollars)', example: 25.5 })
  @IsNumberWithDecimals(6, { message: 'amount_usd must be a number with at most 6 decimals' })
  @Min(0.000001, { message: 'amount_usd must be positive' })
  @Max(MAX_TOP_UP_USD, { message: `amount_usd must be at most ${MAX_TOP_UP_USD}` })
  amount_usd!: number;

  @ApiProperty() @IsString() @MinLength(1) @MaxLength(500) reason!: string;
}
