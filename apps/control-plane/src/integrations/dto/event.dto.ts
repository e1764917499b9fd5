import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PaginationQueryDto, type SameShape } from '@sluice/platform/openapi';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { EVENT_STATUSES, type EventStatus } from '../events.repository';
import type { EventView } from '../events.service';
import type { InboundReceipt } from '../inbound.service';

export class ListEventsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(254) tenant?: string;
  @ApiPropertyOptional({ description: 'Provider id or name' }) @IsOptional() @IsString() @MaxLength(100) provider?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100) event_type?: string;
  @ApiPropertyOptional({ enum: EVENT_STATUSES }) @IsOptional() @IsIn(EVENT_STATUSES) status?: EventStatus;
  @ApiPropertyOptional() @IsOptional() @IsIn(['created_at', '-created_at']) ordering?: string;
}

export class EventResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) tenant!: string;
  @ApiProperty({ description: 'The provider’s name' }) provider!: string;
  @ApiProperty({ format: 'uuid' }) provider_id!: string;
  @ApiProperty({ description: 'The provider’s event id, or sha256:… of service, type and body when it sent none' }) event_id!: string;
  @ApiProperty() event_type!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) payload!: Record<string, unknown>;
  @ApiProperty({ enum: EVENT_STATUSES }) status!: EventStatus;
  @ApiProperty({ type: 'integer' }) retry_count!: number;
  @ApiProperty({ type: String, nullable: true, description: 'What processing did (docs/integrations.md, Event types)' }) outcome!: string | null;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) processed_at!: string | null;
}

export class InboundReceiptDto {
  @ApiProperty({ format: 'uuid', description: 'The stored event' }) id!: string;
  @ApiProperty() event_id!: string;
  @ApiProperty() event_type!: string;
  @ApiProperty({ enum: EVENT_STATUSES }) status!: EventStatus;
  @ApiProperty({ description: 'True when this event id was received before: it is not processed again' }) duplicate!: boolean;
}

const _eventInSync: SameShape<EventView, EventResponseDto> = true;
const _receiptInSync: SameShape<InboundReceipt, InboundReceiptDto> = true;
