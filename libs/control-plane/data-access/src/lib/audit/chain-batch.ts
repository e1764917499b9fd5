import type { AuditEvent } from './audit-chain';
import { parseChainRow, type ChainRowText } from './chain-row';
import {
  brokenLink,
  chainVerification,
  hashCheck,
  linkCheck,
  MAX_BROKEN_LINKS,
  type BreakDetail,
  type BrokenLink,
  type ChainVerification,
} from './chain-verifier';

/**
 * What checking one batch of a chain on its own yields: every check that needs
 * only the batch (each event's hash; the seq and link of every event after the
 * first), and what `ChainStitcher` needs to check the batch's first event
 * against the last event of the batch before it. Small, whatever the batch's
 * size: it is what a hashing thread sends back.
 */
export interface ChainBatchResult {
  count: number;
  /** The first event's identity, seq and link, and what is wrong with its hash; absent for an empty batch. */
  first?: Pick<AuditEvent, 'id' | 'event_type' | 'timestamp' | 'seq' | 'prev_hash'> & { hashBreak?: BreakDetail };
  /** The last event's seq and stored hash: what the next batch's first event must follow. */
  lastSeq: number;
  lastHash: string | null;
  /** Events after the first that passed every check. */
  verifiedAfterFirst: number;
  /** Broken links of the events after the first, in chain order, at most `maxBrokenLinks` of them. */
  brokenAfterFirst: BrokenLink[];
}

/**
 * The rows of a `RowBytes` batch: UTF-8 text, each row ending in a newline
 * (COPY escapes the newlines inside values). Each row is decoded on its own,
 * so that it is a small flat string, not a slice pinning the whole batch.
 */
export function rowsOfBytes(bytes: Uint8Array): ChainRowText[] {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rows: ChainRowText[] = [];
  for (let start = 0, end = buffer.indexOf(NEWLINE); end !== -1; start = end + 1, end = buffer.indexOf(NEWLINE, start)) {
    rows.push(buffer.toString('utf8', start, end) as ChainRowText);
  }
  return rows;
}

const NEWLINE = 0x0a;

/**
 * Checks a batch of COPY rows as far as it can without the events before it,
 * each event with the reference checks (`hashCheck`, `linkCheck`) that
 * `ChainVerifier` runs.
 */
export function checkChainBatch(rows: readonly ChainRowText[], maxBrokenLinks = MAX_BROKEN_LINKS): ChainBatchResult {
  const result: ChainBatchResult = { count: rows.length, lastSeq: 0, lastHash: null, verifiedAfterFirst: 0, brokenAfterFirst: [] };
  if (rows.length === 0) return result;
  const first = parseChainRow(rows[0]);
  const firstHashBreak = hashCheck(first);
  result.first = {
    id: first.id,
    event_type: first.event_type,
    timestamp: first.timestamp,
    seq: first.seq,
    prev_hash: first.prev_hash,
    ...(firstHashBreak ? { hashBreak: firstHashBreak } : {}),
  };
  let expectedSeq = first.seq + 1;
  let previousHash: string | null = first.hash;
  const broken = result.brokenAfterFirst;
  for (let index = 1; index < rows.length; index += 1) {
    const event = parseChainRow(rows[index]);
    const hashBreak = hashCheck(event);
    const linkBreak = linkCheck(event, expectedSeq, previousHash);
    if (hashBreak && broken.length < maxBrokenLinks) broken.push(brokenLink(event, hashBreak));
    if (linkBreak && broken.length < maxBrokenLinks) broken.push(brokenLink(event, linkBreak));
    if (!hashBreak && !linkBreak) result.verifiedAfterFirst += 1;
    expectedSeq = event.seq + 1;
    previousHash = event.hash;
  }
  result.lastSeq = expectedSeq - 1;
  result.lastHash = previousHash;
  return result;
}

/**
 * Joins the results of consecutive batches, given in chain order, into the
 * verification of the whole chain: exactly what `ChainVerifier` finds when it
 * is given the same events one by one. Holds only the last batch's seq and
 * hash (and the broken links found, at most `maxBrokenLinks`).
 */
export class ChainStitcher {
  private expectedSeq = 1;
  private previousHash: string | null = null;
  private verified = 0;
  private total = 0;
  private readonly broken: BrokenLink[] = [];

  constructor(
    private readonly tenantId: string | null,
    private readonly maxBrokenLinks = MAX_BROKEN_LINKS,
  ) {}

  /** Events added so far. */
  get checked(): number {
    return this.total;
  }

  add(batch: ChainBatchResult): void {
    const { first } = batch;
    if (!first) return;
    this.total += batch.count;
    const linkBreak = linkCheck(first, this.expectedSeq, this.previousHash);
    if (first.hashBreak) this.report(brokenLink(first, first.hashBreak));
    if (linkBreak) this.report(brokenLink(first, linkBreak));
    if (!first.hashBreak && !linkBreak) this.verified += 1;
    this.verified += batch.verifiedAfterFirst;
    for (const link of batch.brokenAfterFirst) this.report(link);
    this.expectedSeq = batch.lastSeq + 1;
    this.previousHash = batch.lastHash;
  }

  result(): ChainVerification {
    return chainVerification(this.tenantId, this.verified, this.total, this.previousHash, this.broken);
  }

  private report(link: BrokenLink): void {
    if (this.broken.length < this.maxBrokenLinks) this.broken.push(link);
  }
}
