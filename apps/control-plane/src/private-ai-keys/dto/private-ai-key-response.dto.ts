import { ApiProperty } from '@nestjs/swagger';
import type { SameShape } from '@sluice/platform/openapi';
import type { DatabasePasswordView, LlmTokenView, PrivateAiKeyView, PrivateAiKeyWithSecretsView, PrivateStorageView } from '../private-ai-key-view';

export class PrivateAiKeyResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'uuid' }) tenant!: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) owner_id!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) team_id!: string | null;
  @ApiProperty() region_id!: string;
  @ApiProperty() database_name!: string;
  @ApiProperty() database_host!: string;
  @ApiProperty() database_port!: number;
  @ApiProperty() database_username!: string;
  @ApiProperty({ description: 'Whether the pgvector extension was created in the database' }) vector_enabled!: boolean;
  @ApiProperty({ enum: ['ready', 'deleting'] }) status!: 'ready' | 'deleting';
  @ApiProperty({ type: Number, nullable: true, description: 'Bytes on disk at the last measurement' }) storage_bytes!: number | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) storage_measured_at!: string | null;
  @ApiProperty() litellm_api_url!: string;
  @ApiProperty() litellm_token_prefix!: string;
  @ApiProperty({ enum: ['active', 'revoked', 'expired'] }) key_status!: 'active' | 'revoked' | 'expired';
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class PrivateAiKeyWithSecretsResponseDto extends PrivateAiKeyResponseDto {
  @ApiProperty({ description: 'Shown once' }) database_password!: string;
  @ApiProperty({ description: 'The LLM key, shown once' }) litellm_token!: string;
}

export class LlmTokenResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() region_id!: string;
  @ApiProperty({ description: 'The LLM key, shown once' }) litellm_token!: string;
  @ApiProperty() litellm_api_url!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class DatabasePasswordResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() database_username!: string;
  @ApiProperty({ description: 'Shown once' }) database_password!: string;
}

export class PrivateStorageResponseDto {
  @ApiProperty({ format: 'uuid' }) tenant!: string;
  @ApiProperty() databases!: number;
  @ApiProperty() bytes!: number;
  @ApiProperty({ type: String, nullable: true }) limit!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) measured_at!: string | null;
}

export class MessageResponseDto {
  @ApiProperty() message!: string;
}

const _viewInSync: SameShape<PrivateAiKeyView, PrivateAiKeyResponseDto> = true;
const _secretsInSync: SameShape<PrivateAiKeyWithSecretsView, PrivateAiKeyWithSecretsResponseDto> = true;
const _tokenInSync: SameShape<LlmTokenView, LlmTokenResponseDto> = true;
const _passwordInSync: SameShape<DatabasePasswordView, DatabasePasswordResponseDto> = true;
const _storageInSync: SameShape<PrivateStorageView, PrivateStorageResponseDto> = true;
