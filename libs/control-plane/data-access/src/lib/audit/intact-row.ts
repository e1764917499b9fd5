import { chainHash } from './audit-chain';
import { canonicalJson } from './canonical-json';
import { isoTimestamp, unescapeCopy, type ChainRowText } from './chain-row';

const NULL_FIELD = '\\N';
const COLUMN_COUNT = 16;

/** A character that JSON must escape (a tab only separates fields). Lone surrogates cannot occur: the row was decoded from UTF-8. */
const JSON_ESCAPED = /["\x00-\x08\x0a-\x1f]/;
const TAB = 0x09;
const LETTER_N = 0x4e;

/**
 * Whether these fields (tab-separated) read as they are hashed: nothing JSON
 * must escape, and no COPY escape (a backslash) other than whole `\N` (NULL)
 * fields. Otherwise the row takes the reference path.
 */
function plainFields(text: string): boolean {
  if (JSON_ESCAPED.test(text)) return false;
  for (let at = text.indexOf('\\'); at !== -1; at = text.indexOf('\\', at + 1)) {
    const wholeNull =
      (at === 0 || text.charCodeAt(at - 1) === TAB) && text.charCodeAt(at + 1) === LETTER_N && (at + 2 === text.length || text.charCodeAt(at + 2) === TAB);
    if (!wholeNull) return false;
  }
  return true;
}

const quoted = (field: string) => (field === NULL_FIELD ? 'null' : `"${field}"`);

/**
 * The hash of a COPY row (`CHAIN_ROW_COLUMNS`) when the row is certainly
 * intact and follows the event before it (`expectedSeq`, `previousHash`);
 * otherwise undefined, and the caller checks the row the reference way
 * (`parseChainRow`, `hashCheck`, `linkCheck`), which also words what is wrong.
 *
 * The hot path of verification: most rows need neither un-escaping nor JSON
 * escaping outside their payload, so their canonical form
 * (`canonicalAuditEvent`) is written straight from the fields, without an
 * event object. It can only err towards undefined: a row whose canonical form
 * came out wrong would not match its stored hash, and goes the reference way.
 */
export function intactRowHash(row: ChainRowText, expectedSeq: number, previousHash: string | null): string | undefined {
  const f = row.split('\t');
  if (f.length !== COLUMN_COUNT) return undefined;
  const seq = Number(f[2]);
  const prevHash = f[14] === NULL_FIELD ? null : f[14];
  if (seq !== expectedSeq || prevHash !== previousHash) return undefined;
  const id = Number(f[0]);
  if (!Number.isFinite(id) || f[3] === NULL_FIELD || f[4] === NULL_FIELD || f[7] === NULL_FIELD || f[9] === NULL_FIELD || f[13] === NULL_FIELD || f[15] === NULL_FIELD) {
    return undefined;
  }
  const payloadStart = f[0].length + f[1].length + f[2].length + f[3].length + f[4].length + f[5].length + f[6].length + f[7].length + f[8].length + 9;
  if (!plainFields(row.slice(0, payloadStart)) || !plainFields(row.slice(payloadStart + f[9].length))) return undefined;
  let canonical: string;
  try {
    canonical =
      `{"actor":{"email":${quoted(f[6])},"id":${quoted(f[5])},"type":"${f[4]}"},"event_type":"${f[3]}",` +
      `"id":${String(id)},"ip_address":${quoted(f[10])},"payload":${canonicalJson(JSON.parse(unescapeCopy(f[9])))},"prev_hash":${quoted(f[14])},` +
      `"request_id":${quoted(f[12])},"resource_id":${quoted(f[8])},"resource_type":"${f[7]}",` +
      `"seq":${String(seq)},"tenant_id":${quoted(f[1])},"timestamp":"${isoTimestamp(f[13])}","user_agent":${quoted(f[11])}}`;
  } catch {
    return undefined;
  }
  const hash = f[15];
  return chainHash(prevHash, canonical) === hash ? hash : undefined;
}
