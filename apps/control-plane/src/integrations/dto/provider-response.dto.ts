import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { SameShape } from '@sluice/platform/openapi';
import { AUTH_TYPES, type AuthType } from '../providers.repository';
import type { ProviderView } from '../providers.service';

// Named apart from the operator's AI provider view, which has the same class name: one schema name each in the document.
@ApiSchema({ name: 'IntegrationProviderResponseDto' })
export class ProviderResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) tenant!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) webhook_url!: string | null;
  @ApiProperty({ type: String, nullable: true }) api_base_url!: string | null;
  @ApiProperty({ enum: AUTH_TYPES }) auth_type!: AuthType;
  @ApiProperty({ description: 'Whether a secret_key is set (it is never returned)' }) has_secret!: boolean;
  @ApiProperty() is_active!: boolean;
  @ApiProperty() map_users!: boolean;
  @ApiProperty({ type: [String] }) allowed_ips!: string[];
  @ApiProperty({ type: 'integer', nullable: true }) rate_limit_per_minute!: number | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

const _inSync: SameShape<ProviderView, ProviderResponseDto> = true;
