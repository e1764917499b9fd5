import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptionalNotNull } from '@sluice/platform/validation';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';

export const PLAN_ID_PATTERN = /^[a-z0-9-]{1,64}$/;
const BILLING_MODES = ['prepaid', 'postpaid'] as const;
const MODEL_GLOB = /^[A-Za-z0-9._:/*?-]{1,128}$/;
const FEATURE_NAME = /^[a-z0-9_.-]{1,64}$/;
const LIMIT_MAX = 1_000_000_000_000;
const nullable = (_dto: object, value: unknown) => value !== null;

/** A limit is a non-negative whole number, or null for none. */
function Limit(): PropertyDecorator {
  return (target, key) => {
    ApiPropertyOptional({ type: 'integer', nullable: true, minimum: 0 })(target, key);
    IsOptional()(target, key);
    ValidateIf(nullable)(target, key);
    IsInt()(target, key);
    Min(0)(target, key);
    Max(LIMIT_MAX)(target, key);
  };
}

export class PlanLimitsDto {
  @Limit() rpm?: number | null;
  @Limit() rph?: number | null;
  @Limit() rpd?: number | null;
  @Limit() tpm?: number | null;
  @Limit() tph?: number | null;
  @Limit() tpd?: number | null;
  @Limit() max_concurrency?: number | null;
  @Limit() api_calls_per_period?: number | null;
  @Limit() ai_tokens_per_period?: number | null;
  @Limit() max_users?: number | null;
  @Limit() max_keys?: number | null;
}

/** `{feature: bool | number}`, feature names like `priority_support`; numbers non-negative. */
function IsEntitlements(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isEntitlements',
      validator: {
        validate: (value: unknown) =>
          value !== null &&
          typeof value === 'object' &&
          !Array.isArray(value) &&
          Object.keys(value).length <= 100 &&
          Object.entries(value).every(
            ([feature, entitled]) => FEATURE_NAME.test(feature) && (typeof entitled === 'boolean' || (typeof entitled === 'number' && Number.isFinite(entitled) && entitled >= 0)),
          ),
        defaultMessage: () => 'must map feature names (a-z 0-9 _ . -) to true, false or a non-negative number',
      },
    },
    options,
  );
}

class PlanFieldsDto {
  @ApiPropertyOptional({ enum: BILLING_MODES }) @IsOptionalNotNull() @IsIn(BILLING_MODES) billing_mode?: (typeof BILLING_MODES)[number];
  @ApiPropertyOptional({ minimum: 0 }) @IsOptionalNotNull() @IsInt() @Min(0) @Max(LIMIT_MAX) price_monthly_cents?: number;
  @ApiPropertyOptional({ minimum: 1, maximum: 366 }) @IsOptionalNotNull() @IsInt() @Min(1) @Max(366) period_days?: number;

  @ApiPropertyOptional({ type: PlanLimitsDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => PlanLimitsDto)
  limits?: PlanLimitsDto;

  @ApiPropertyOptional({ nullable: true, type: [String], description: 'Globs over model ids; null = every model' })
  @IsOptional()
  @ValidateIf(nullable)
  @IsArray()
  @ArrayMaxSize(100)
  @Matches(MODEL_GLOB, { each: true, message: 'each entry must be a model id or glob (A-Z a-z 0-9 . _ : / - * ?)' })
  allowed_models?: string[] | null;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsEntitlements()
  entitlements?: Record<string, boolean | number>;
}

export class CreatePlanDto extends PlanFieldsDto {
  @ApiProperty({ pattern: PLAN_ID_PATTERN.source })
  @IsString()
  @Matches(PLAN_ID_PATTERN, { message: `id must match ${PLAN_ID_PATTERN.source}` })
  id!: string;

  @ApiProperty() @IsString() @MinLength(1) @MaxLength(150) name!: string;
}

export class UpdatePlanDto extends PlanFieldsDto {
  @ApiPropertyOptional() @IsOptionalNotNull() @IsString() @MinLength(1) @MaxLength(150) name?: string;
}

export class AssignPlanDto {
  @ApiProperty() @IsString() @Matches(PLAN_ID_PATTERN, { message: 'plan must be a plan id' }) plan!: string;
}

export class EntitlementsQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Matches(FEATURE_NAME, { message: 'feature must be a feature name (a-z 0-9 _ . -)' }) feature?: string;
}
