import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptionalNotNull } from '@sluice/platform/validation';
import { PaginationQueryDto } from '@sluice/platform/openapi';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { SUBSCRIBABLE_EVENT_TYPES } from '../webhook-event-types';

export class CreateWebhookEndpointDto {
  @ApiPropertyOptional({ description: 'Tenant slug, domain or id; else X-Tenant or your only tenant' })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  tenant?: string;

  @ApiProperty({ example: 'https://hooks.example.com/sluice', description: 'https in production; must not resolve to a private, loopback, link-local or reserved address' })
  @IsString()
  @MinLength(1)
  @MaxLength(2048)
  url!: string;

  @ApiProperty({ enum: SUBSCRIBABLE_EVENT_TYPES, isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(SUBSCRIBABLE_EVENT_TYPES.length)
  @IsIn(SUBSCRIBABLE_EVENT_TYPES, { each: true })
  events!: string[];

  @ApiPropertyOptional()
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({ default: true })
  @IsOptionalNotNull()
  @IsBoolean()
  enabled?: boolean;
}

export class UpdateWebhookEndpointDto {
  @ApiPropertyOptional()
  @IsOptionalNotNull()
  @IsString()
  @MinLength(1)
  @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional({ enum: SUBSCRIBABLE_EVENT_TYPES, isArray: true })
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(SUBSCRIBABLE_EVENT_TYPES.length)
  @IsIn(SUBSCRIBABLE_EVENT_TYPES, { each: true })
  events?: string[];

  @ApiPropertyOptional()
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({ description: 'Enabling again clears a disable for failing deliveries' })
  @IsOptionalNotNull()
  @IsBoolean()
  enabled?: boolean;
}

export class RotateWebhookSecretDto {
  @ApiPropertyOptional({ default: 86_400, description: 'How long deliveries also carry a signature with the old secret (seconds, 0 to 7 days)' })
  @IsOptionalNotNull()
  @IsInt()
  @Min(0)
  @Max(604_800)
  grace_seconds?: number;
}

export class ListWebhookEndpointsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(254)
  tenant?: string;
}
