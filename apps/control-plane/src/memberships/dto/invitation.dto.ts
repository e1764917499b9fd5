import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { TENANT_ROLES } from '@sluice/auth';
import { PaginationQueryDto, type SameShape } from '@sluice/platform/openapi';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { IsPassword, MIN_PASSWORD_LENGTH } from '../../auth/passwords';
import type { InvitationView } from '../invitation-view';

export class AcceptInvitationDto {
  @ApiProperty({ minLength: MIN_PASSWORD_LENGTH, description: "The new account's password, or the existing account's when one has the address." })
  @IsPassword()
  password!: string;

  @ApiProperty() @IsString() @MaxLength(150) first_name!: string;
  @ApiProperty() @IsString() @MaxLength(150) last_name!: string;
}

export class ListInvitationsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ description: 'Tenant id, slug or domain; else the X-Tenant header or your only tenant.' })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  tenant?: string;
}

export class InvitationResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) tenant!: string;
  @ApiProperty({ format: 'email' }) email!: string;
  @ApiProperty({ enum: [...TENANT_ROLES] }) role!: InvitationView['role'];
  @ApiProperty({ enum: ['pending', 'accepted', 'revoked', 'expired'] }) status!: InvitationView['status'];
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) invited_by!: string | null;
  @ApiProperty({ format: 'date-time' }) expires_at!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) accepted_at!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

const _inSync: SameShape<InvitationView, InvitationResponseDto> = true;
