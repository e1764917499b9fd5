import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsNumber, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

export const CHECKOUT_PURPOSES = ['credits', 'plan'] as const;
export type CheckoutPurpose = (typeof CHECKOUT_PURPOSES)[number];

/** Stripe's smallest USD charge, and a ceiling on one top-up that no honest click reaches. */
export const MIN_CHECKOUT_USD = 0.5;
export const MAX_CHECKOUT_USD = 100_000;

export class CheckoutQueryDto {
  @ApiPropertyOptional({ enum: CHECKOUT_PURPOSES, description: 'credits: a prepaid top-up (payment mode); plan: a subscription' })
  @IsIn(CHECKOUT_PURPOSES, { message: `purpose must be one of ${CHECKOUT_PURPOSES.join(', ')}` })
  purpose!: CheckoutPurpose;

  @ApiPropertyOptional({ description: `USD for purpose=credits, ${MIN_CHECKOUT_USD} to ${MAX_CHECKOUT_USD}, whole cents`, example: 25 })
  @IsOptional()
  @Type(() => Number)
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 2 }, { message: 'amount_usd must be a number of dollars with at most 2 decimals' })
  @Min(MIN_CHECKOUT_USD, { message: `amount_usd must be at least ${MIN_CHECKOUT_USD}` })
  @Max(MAX_CHECKOUT_USD, { message: `amount_usd must be at most ${MAX_CHECKOUT_USD}` })
  amount_usd?: number;

  @ApiPropertyOptional({ description: 'A plan id for purpose=plan' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9-]{1,64}$/, { message: 'plan must be a plan id' })
  plan?: string;
}

export class PricingTableSessionQueryDto {
  @ApiPropertyOptional({ description: "The plan to subscribe to when no pricing table is set; default the tenant's current plan" })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9-]{1,64}$/, { message: 'plan must be a plan id' })
  plan?: string;
}
