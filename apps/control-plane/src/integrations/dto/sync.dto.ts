import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PaginationQueryDto, type SameShape } from '@sluice/platform/openapi';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { SYNC_TYPES, type SyncError, type SyncStatus, type SyncType } from '../syncs.repository';
import type { SyncView } from '../sync.service';

export class TriggerSyncDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(254) tenant?: string;
  @ApiPropertyOptional({ description: 'Provider id or name' }) @IsOptional() @IsString() @MaxLength(100) provider?: string;
  @ApiPropertyOptional({ description: 'Alias of provider (an id)' }) @IsOptional() @IsString() @MaxLength(100) service_id?: string;
  @ApiProperty({ enum: SYNC_TYPES }) @IsIn(SYNC_TYPES) sync_type!: SyncType;
}

export class ListSyncsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(254) tenant?: string;
}

export class SyncErrorDto {
  @ApiProperty({ type: 'integer' }) page!: number;
  @ApiProperty() message!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
}

export class SyncResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) tenant!: string;
  @ApiProperty() provider!: string;
  @ApiProperty({ format: 'uuid' }) provider_id!: string;
  @ApiProperty({ enum: SYNC_TYPES }) sync_type!: SyncType;
  @ApiProperty({ enum: ['queued', 'running', 'completed', 'failed'] }) status!: SyncStatus;
  @ApiProperty({ type: 'integer', description: 'Pages committed' }) pages!: number;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Records the provider says it has' }) total!: number | null;
  @ApiProperty({ type: 'integer' }) records_created!: number;
  @ApiProperty({ type: 'integer' }) records_updated!: number;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Percent done; null while the total is unknown' }) progress!: number | null;
  @ApiProperty({ type: [SyncErrorDto] }) errors!: SyncError[];
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) started_at!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finished_at!: string | null;
}

const _inSync: SameShape<SyncView, SyncResponseDto> = true;
