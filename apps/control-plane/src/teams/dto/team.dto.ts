import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNumberWithDecimals, IsOptionalNotNull } from '@sluice/platform/validation';
import { PaginationQueryDto } from '@sluice/platform/openapi';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';

/** Limits shared by every key of a team (docs/limits.md, Which limits, at which level); null lifts one. */
export class RateLimitsDto {
  @IsOptional() @IsInt() @Min(1) rpm?: number | null;
  @IsOptional() @IsInt() @Min(1) rph?: number | null;
  @IsOptional() @IsInt() @Min(1) rpd?: number | null;
  @IsOptional() @IsInt() @Min(1) tpm?: number | null;
  @IsOptional() @IsInt() @Min(1) tph?: number | null;
  @IsOptional() @IsInt() @Min(1) tpd?: number | null;
  @IsOptional() @IsInt() @Min(1) max_concurrency?: number | null;
  @IsOptional() @IsNumberWithDecimals(6) @Min(0) budget_usd?: number | null;
  @IsOptional() @IsIn(['day', 'month', 'total']) budget_period?: 'day' | 'month' | 'total' | null;
}

export class CreateTeamDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(254) tenant?: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(150) name!: string;
  @ApiPropertyOptional() @IsOptionalNotNull() @IsString() @MaxLength(2000) description?: string;
  @ApiPropertyOptional({ type: RateLimitsDto }) @IsOptional() @ValidateNested() @Type(() => RateLimitsDto) limits?: RateLimitsDto;
}

export class UpdateTeamDto {
  @ApiPropertyOptional() @IsOptionalNotNull() @IsString() @MinLength(1) @MaxLength(150) name?: string;
  @ApiPropertyOptional() @IsOptionalNotNull() @IsString() @MaxLength(2000) description?: string;
  @ApiPropertyOptional({ type: RateLimitsDto }) @IsOptional() @ValidateNested() @Type(() => RateLimitsDto) limits?: RateLimitsDto;
}

export class TeamMemberDto {
  /** A tenant-user id (membership) of the team's tenant. */
  @ApiProperty() @IsUUID() member!: string;
}

export class ListTeamsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(254) tenant?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) search?: string;
  @ApiPropertyOptional() @IsOptional() @IsIn(['name', '-name', 'created_at', '-created_at']) ordering?: string;
}
