import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { BROKEN_LINK_REASONS, type AuditActor, type AuditEvent, type BrokenLink, type ChainVerification } from '@sluice/control-plane/data-access';
import type { SameShape } from '@sluice/platform/openapi';
import type { ChainsVerification } from '../audit-log.service';

export class AuditActorResponseDto {
  @ApiProperty({ enum: ['user', 'api_key', 'system'] })
  type!: AuditActor['type'];

  @ApiProperty({ type: String, nullable: true })
  id!: string | null;

  @ApiProperty({ type: String, nullable: true })
  email!: string | null;
}

export class AuditEventResponseDto {
  @ApiProperty({ type: 'integer' })
  id!: number;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'null: the platform chain' })
  tenant_id!: string | null;

  @ApiProperty({ type: 'integer', description: 'Position in its chain' })
  seq!: number;

  @ApiProperty()
  event_type!: string;

  @ApiProperty({ type: AuditActorResponseDto })
  actor!: AuditActorResponseDto;

  @ApiProperty()
  resource_type!: string;

  @ApiProperty({ type: String, nullable: true })
  resource_id!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true })
  payload!: Record<string, unknown>;

  @ApiProperty({ type: String, nullable: true })
  ip_address!: string | null;

  @ApiProperty({ type: String, nullable: true })
  user_agent!: string | null;

  @ApiProperty({ type: String, nullable: true })
  request_id!: string | null;

  @ApiProperty({ format: 'date-time' })
  timestamp!: string;

  @ApiProperty({ type: String, nullable: true, description: 'Hash of the previous event in the chain' })
  prev_hash!: string | null;

  @ApiProperty({ description: 'sha256 of prev_hash and the canonical JSON of the event' })
  hash!: string;
}

export class BrokenLinkResponseDto {
  @ApiProperty({ type: 'integer' })
  event_id!: number;

  @ApiProperty()
  event_type!: string;

  @ApiProperty({ format: 'date-time' })
  timestamp!: string;

  @ApiProperty({ enum: Object.values(BROKEN_LINK_REASONS) })
  reason!: BrokenLink['reason'];

  @ApiPropertyOptional()
  computed_hash?: string;

  @ApiPropertyOptional()
  stored_hash?: string;

  @ApiPropertyOptional({ type: 'integer' })
  expected_seq?: number;

  @ApiPropertyOptional({ type: 'integer' })
  seq?: number;
}

/** One chain's verification; `broken_links` only when it is broken. */
export class ChainVerificationResponseDto {
  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  tenant_id!: string | null;

  @ApiProperty()
  chain_valid!: boolean;

  @ApiProperty({ type: 'integer' })
  verified_count!: number;

  @ApiProperty({ type: 'integer' })
  total_events!: number;

  @ApiProperty({ type: String, nullable: true })
  chain_head!: string | null;

  @ApiPropertyOptional({ type: [BrokenLinkResponseDto] })
  broken_links?: BrokenLinkResponseDto[];
}

/** Every chain the caller may read (no `tenant_id` asked). */
export class ChainsVerificationResponseDto {
  @ApiProperty()
  chain_valid!: boolean;

  @ApiProperty({ type: 'integer' })
  verified_count!: number;

  @ApiProperty({ type: 'integer' })
  total_events!: number;

  @ApiProperty({ type: [ChainVerificationResponseDto] })
  chains!: ChainVerificationResponseDto[];
}

const _actorInSync: SameShape<AuditActor, AuditActorResponseDto> = true;
const _eventInSync: SameShape<AuditEvent, AuditEventResponseDto> = true;
const _linkInSync: SameShape<BrokenLink, BrokenLinkResponseDto> = true;
const _chainInSync: SameShape<ChainVerification, ChainVerificationResponseDto> = true;
const _chainsInSync: SameShape<ChainsVerification, ChainsVerificationResponseDto> = true;
