import { ApiProperty } from '@nestjs/swagger';
import type { SameShape } from '@sluice/platform/openapi';
import type { UserView } from '../user-view';

export class UserResponseDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'email' })
  email!: string;

  @ApiProperty({ description: 'The same value as `email`: Sluice signs in by email' })
  username!: string;

  @ApiProperty()
  first_name!: string;

  @ApiProperty()
  last_name!: string;

  @ApiProperty()
  is_active!: boolean;

  @ApiProperty()
  is_platform_admin!: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  last_login_at!: string | null;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ format: 'date-time' })
  updated_at!: string;
}

const _inSync: SameShape<UserView, UserResponseDto> = true;
