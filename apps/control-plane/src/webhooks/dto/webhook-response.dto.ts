import { ApiProperty } from '@nestjs/swagger';
import type { SameShape } from '@sluice/platform/openapi';
import type { WebhookAttemptView, WebhookDeliveryView, WebhookEndpointView, WebhookEndpointWithSecretView } from '../webhook-view';
import type { WebhookTestView } from '../webhooks.service';

export class WebhookEndpointResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) tenant!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ type: [String] }) events!: string[];
  @ApiProperty() description!: string;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ type: String, nullable: true, description: '`failing` when Sluice disabled the endpoint' }) disabled_reason!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) failing_since!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class WebhookEndpointWithSecretResponseDto extends WebhookEndpointResponseDto {
  @ApiProperty({ description: 'The signing secret (whsec_…), shown only in this answer' }) secret!: string;
}

export class WebhookAttemptResponseDto {
  @ApiProperty({ format: 'date-time' }) attempted_at!: string;
  @ApiProperty({ type: 'integer', nullable: true }) status_code!: number | null;
  @ApiProperty({ type: 'integer' }) duration_ms!: number;
  @ApiProperty({ description: 'The start of the answer (at most 1 KiB)' }) response_excerpt!: string;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) next_attempt_at!: string | null;
}

export class WebhookDeliveryResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) endpoint!: string;
  @ApiProperty({ description: 'The webhook-id header, the same on every attempt' }) message_id!: string;
  @ApiProperty() event_type!: string;
  @ApiProperty({ enum: ['pending', 'succeeded', 'failed'] }) status!: string;
  @ApiProperty({ type: 'integer' }) attempt_count!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) next_attempt_at!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The body sent: {type, timestamp, data}' }) payload!: unknown;
  @ApiProperty({ type: [WebhookAttemptResponseDto] }) attempts!: WebhookAttemptResponseDto[];
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class WebhookTestResponseDto {
  @ApiProperty({ enum: ['webhook.test'] }) event_type!: 'webhook.test';
  @ApiProperty({ format: 'uuid' }) endpoint!: string;
  @ApiProperty({ description: 'Queued: it shows in the delivery log once sent' }) queued!: boolean;
}

const _endpoint: SameShape<WebhookEndpointView, WebhookEndpointResponseDto> = true;
const _withSecret: SameShape<WebhookEndpointWithSecretView, WebhookEndpointWithSecretResponseDto> = true;
const _attempt: SameShape<WebhookAttemptView, WebhookAttemptResponseDto> = true;
const _delivery: SameShape<WebhookDeliveryView, WebhookDeliveryResponseDto> = true;
const _test: SameShape<WebhookTestView, WebhookTestResponseDto> = true;
