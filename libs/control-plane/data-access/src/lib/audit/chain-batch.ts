import { isUtf8 } from 'node:buffer';
import * as crypto from 'node:crypto';
import type { AuditEvent } from './audit-chain';
import { parseChainRow, type ChainRowText } from './chain-row';
import { CanonicalBuffers, canonicalRowBytes, HASH, prevHashIs, prevHashIsText, RowFields, rowSeq, splitRow, storedHashIs } from './chain-row-bytes';
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
  const buffer = asBuffer(bytes);
  const rows: ChainRowText[] = [];
  for (let start = 0, end = buffer.indexOf(NEWLINE); end !== -1; start = end + 1, end = buffer.indexOf(NEWLINE, start)) {
    rows.push(buffer.toString('utf8', start, end) as ChainRowText);
  }
  return rows;
}

const NEWLINE = 0x0a;

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** SHA-256 in hex of bytes (`crypto.hash` where there is one, as `hashAuditEvent`). */
const sha256Hex: (bytes: Buffer) => string =
  typeof crypto.hash === 'function' ? (bytes) => crypto.hash('sha256', bytes, 'hex') : (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');

/** Reused by every batch this thread checks. */
const fields = new RowFields();
const buffers = new CanonicalBuffers();

/**
 * Checks a batch of COPY rows (a `RowBytes` batch: each row ending in a
 * newline) as far as it can without the events before it, with exactly the
 * result of the reference checks (`hashCheck`, `linkCheck`) that
 * `ChainVerifier` runs on each event decoded by `parseChainRow`.
 *
 * Most rows are checked on their bytes: the hashed text is written from them
 * (`canonicalRowBytes`, exactly what the reference hashes, or nothing) and
 * the row counts as verified when its hash, seq and prev_hash are all as they
 * must be. Every other row (the batch's first, a row beyond the shortcut, a
 * row with anything wrong, and every row of a batch that is not valid UTF-8)
 * is decoded and checked the reference way, which also describes what is
 * wrong.
 */
export function checkChainBatch(bytes: Uint8Array, maxBrokenLinks = MAX_BROKEN_LINKS): ChainBatchResult {
  const row = asBuffer(bytes);
  const result: ChainBatchResult = { count: 0, lastSeq: 0, lastHash: null, verifiedAfterFirst: 0, brokenAfterFirst: [] };
  if (row.length === 0) return result;
  const shortcut = isUtf8(row);
  let start = 0;
  let end = row.indexOf(NEWLINE);
  if (end === -1) end = row.length;
  const first = parseChainRow(row.toString('utf8', start, end) as ChainRowText);
  const firstHashBreak = hashCheck(first);
  result.count = 1;
  result.first = {
    id: first.id,
    event_type: first.event_type,
    timestamp: first.timestamp,
    seq: first.seq,
    prev_hash: first.prev_hash,
    ...(firstHashBreak ? { hashBreak: firstHashBreak } : {}),
  };
  let expectedSeq = first.seq + 1;
  // The previous row's stored hash: as a string, or (after a row checked on its bytes) where it is in the batch.
  let previousHash: string | null = first.hash;
  let previousHashStart = -1;
  let previousHashEnd = -1;
  const broken = result.brokenAfterFirst;
  for (start = end + 1; start < row.length; start = end + 1) {
    end = splitRow(row, start, fields);
    result.count += 1;
    const length = shortcut ? canonicalRowBytes(row, fields, buffers) : -1;
    if (
      length !== -1 &&
      rowSeq(row, fields) === expectedSeq &&
      (previousHashStart !== -1 ? prevHashIs(row, fields, previousHashStart, previousHashEnd) : prevHashIsText(row, fields, previousHash)) &&
      storedHashIs(row, fields, sha256Hex(buffers.out.subarray(0, length)))
    ) {
      result.verifiedAfterFirst += 1;
      expectedSeq += 1;
      previousHashStart = fields.start(HASH);
      previousHashEnd = fields.end(HASH);
      continue;
    }
    const event = parseChainRow(row.toString('utf8', start, end) as ChainRowText);
    if (previousHashStart !== -1) previousHash = row.toString('latin1', previousHashStart, previousHashEnd);
    const hashBreak = hashCheck(event);
    const linkBreak = linkCheck(event, expectedSeq, previousHash);
    if (hashBreak && broken.length < maxBrokenLinks) broken.push(brokenLink(event, hashBreak));
    if (linkBreak && broken.length < maxBrokenLinks) broken.push(brokenLink(event, linkBreak));
    if (!hashBreak && !linkBreak) result.verifiedAfterFirst += 1;
    expectedSeq = event.seq + 1;
    previousHash = event.hash;
    previousHashStart = -1;
  }
  result.lastSeq = expectedSeq - 1;
  result.lastHash = previousHashStart !== -1 ? row.toString('latin1', previousHashStart, previousHashEnd) : previousHash;
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
