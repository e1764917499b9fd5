import { hashAuditEvent, type AuditEvent } from './audit-chain';

export const BROKEN_LINK_REASONS = {
  hashMismatch: 'Hash mismatch - potential tampering detected',
  sequenceGap: 'Missing event (sequence gap)',
  linkMismatch: 'Chain link mismatch',
} as const;

/** Broken links listed (not checked: every event is) per chain: a chain rewritten wholesale would otherwise list every event. */
export const MAX_BROKEN_LINKS = 1_000;

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

/** What is wrong with one event, without the event's identity (`brokenLink` adds it). */
export type BreakDetail = Omit<BrokenLink, 'event_id' | 'event_type' | 'timestamp'>;

/** Was the event changed? Its recomputed hash against the stored one. */
export function hashCheck(event: AuditEvent): BreakDetail | undefined {
  const computed = hashAuditEvent(event);
  return computed === event.hash ? undefined : { reason: BROKEN_LINK_REASONS.hashMismatch, computed_hash: computed, stored_hash: event.hash };
}

/**
 * Does the event follow the one before it (`expectedSeq` is that one's seq + 1,
 * `previousHash` its stored hash; 1 and null for the first)? A gap already
 * explains a broken link, so it is reported alone.
 */
export function linkCheck(event: Pick<AuditEvent, 'seq' | 'prev_hash'>, expectedSeq: number, previousHash: string | null): BreakDetail | undefined {
  if (event.seq !== expectedSeq) return { reason: BROKEN_LINK_REASONS.sequenceGap, expected_seq: expectedSeq, seq: event.seq };
  if (event.prev_hash !== previousHash) return { reason: BROKEN_LINK_REASONS.linkMismatch };
  return undefined;
}

export function brokenLink(event: Pick<AuditEvent, 'id' | 'event_type' | 'timestamp'>, detail: BreakDetail): BrokenLink {
  return { event_id: event.id, event_type: event.event_type, timestamp: event.timestamp, ...detail };
}

/** The answer of a verification: valid when no link is broken, the broken ones listed otherwise. */
export function chainVerification(tenantId: string | null, verified: number, total: number, head: string | null, broken: BrokenLink[]): ChainVerification {
  const valid = broken.length === 0;
  return { tenant_id: tenantId, chain_valid: valid, verified_count: verified, total_events: total, chain_head: head, ...(valid ? {} : { broken_links: broken }) };
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
    private readonly maxBrokenLinks = MAX_BROKEN_LINKS,
  ) {}

  add(event: AuditEvent): void {
    this.total += 1;
    const hashBreak = hashCheck(event);
    const linkBreak = linkCheck(event, this.expectedSeq, this.previousHash);
    if (hashBreak) this.report(event, hashBreak);
    if (linkBreak) this.report(event, linkBreak);
    if (!hashBreak && !linkBreak) this.verified += 1;
    this.expectedSeq = event.seq + 1;
    this.previousHash = event.hash;
  }

  result(): ChainVerification {
    return chainVerification(this.tenantId, this.verified, this.total, this.previousHash, this.broken);
  }

  private report(event: AuditEvent, detail: BreakDetail): void {
    if (this.broken.length >= this.maxBrokenLinks) return;
    this.broken.push(brokenLink(event, detail));
  }
}
