import { ApiPropertyOptional } from '@nestjs/swagger';
import { PaginationQueryDto } from '@sluice/platform/openapi';
import { IsDateString, IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';

export class ListAuditEventsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsUUID() tenant_id?: string;

  @ApiPropertyOptional({ description: 'Exact type, or a prefix ending with a dot (user.)' })
  @IsOptional()
  @Matches(/^[a-z0-9_.]{1,100}$/, { message: 'event_type must be a type such as tenant.suspended or a prefix such as tenant.' })
  event_type?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100) actor_id?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(64) resource_type?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100) resource_id?: string;
  @ApiPropertyOptional() @IsOptional() @IsDateString({ strict: true }, { message: 'since must be an ISO-8601 date-time' }) since?: string;
  @ApiPropertyOptional() @IsOptional() @IsDateString({ strict: true }, { message: 'until must be an ISO-8601 date-time' }) until?: string;
  @ApiPropertyOptional({ enum: ['-id', 'id', '-timestamp', 'timestamp'] }) @IsOptional() @IsIn(['-id', 'id', '-timestamp', 'timestamp']) ordering?: string;
}

export class VerifyAuditQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsUUID() tenant_id?: string;
}
