import { ApiProperty } from '@nestjs/swagger';
import { TENANT_ROLES } from '@sluice/auth';
import type { SameShape } from '@sluice/platform/openapi';
import type { MembershipView } from '../membership-view';

export class MembershipResponseDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  tenant!: string;

  @ApiProperty({ format: 'uuid' })
  user!: string;

  @ApiProperty({ format: 'email' })
  email!: string;

  @ApiProperty()
  first_name!: string;

  @ApiProperty()
  last_name!: string;

  @ApiProperty({ enum: [...TENANT_ROLES] })
  role!: MembershipView['role'];

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  team!: string | null;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ format: 'date-time' })
  updated_at!: string;
}

const _inSync: SameShape<MembershipView, MembershipResponseDto> = true;
