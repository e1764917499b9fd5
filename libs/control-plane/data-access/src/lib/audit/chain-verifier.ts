import { hashAuditEvent, type AuditEvent } from './audit-chain';

export const BROKEN_LINK_REASONS = {
  hashMismatch: 'Hash mismatch - potential tampering detected',
  sequenceGap: 'Missing event (sequence gap)',
  linkMismatch: 'Chain link mismatch',
} as const;

export type BrokenLinkReason = (typeof BROKEN_LINK_REASONS)[keyof typeof BROKEN_LINK_REASONS];

/** One broken link, as the verification endpoint and CLI report it. */
export interface BrokenLink {
  event_id: number;
  event_type: string;
  timestamp: string;
  reason: BrokenLinkReason;
  computed_hash?: string;
  stored_hash?: string;
  expected_seq?: number;
  seq?: number;
}

/** The verification result of a chain (docs/decisions.md, Audit log); `broken_links` only when it is broken. */
export interface ChainVerification {
  tenant_id: string | null;
  chain_valid: boolean;
  verified_count: number;
  total_events: number;
  chain_head: string | null;
  broken_links?: BrokenLink[];
}

/**
 * Checks a chain one event at a time, in `seq` order, holding only the
 * previous event's hash and seq: memory stays flat whatever the chain's length.
 * Each event is checked three ways: its own hash (was it changed?), its seq
 * (is one missing before it?) and its `prev_hash` (does it follow the event
 * before it?). A gap already explains a broken link, so it is reported alone.
 */
export class ChainVerifier {
  private expectedSeq = 1;
  private previousHash: string | null = null;
  private verified = 0;
  private total = 0;
  private readonly broken: BrokenLink[] = [];

  constructor(
    private readonly tenantId: string | null,
    /** Stop listing (not checking) after this many broken links. */
    private readonly maxBrokenLinks = 1_000,
  ) {}

  add(event: AuditEvent): void {
    this.total += 1;
    let intact = true;
    const computed = hashAuditEvent(event);
    if (computed !== event.hash) {
      intact = false;
      this.report(event, { reason: BROKEN_LINK_REASONS.hashMismatch, computed_hash: computed, stored_hash: event.hash });
    }
    if (event.seq !== this.expectedSeq) {
      intact = false;
      this.report(event, { reason: BROKEN_LINK_REASONS.sequenceGap, expected_seq: this.expectedSeq, seq: event.seq });
    } else if (event.prev_hash !== this.previousHash) {
      intact = false;
      this.report(event, { reason: BROKEN_LINK_REASONS.linkMismatch });
    }
    if (intact) this.verified += 1;
    this.expectedSeq = event.seq + 1;
    this.previousHash = event.hash;
  }

  result(): ChainVerification {
    const valid = this.broken.length === 0;
    return {
      tenant_id: this.tenantId,
      chain_valid: valid,
      verified_count: this.verified,
      total_events: this.total,
      chain_head: this.previousHash,
      ...(valid ? {} : { broken_links: this.broken }),
    };
  }

  private report(event: AuditEvent, detail: Omit<BrokenLink, 'event_id' | 'event_type' | 'timestamp'>): void {
    if (this.broken.length >= this.maxBrokenLinks) return;
    this.broken.push({ event_id: event.id, event_type: event.event_type, timestamp: event.timestamp, ...detail });
  }
}
