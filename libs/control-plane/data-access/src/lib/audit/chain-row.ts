import type { AuditActor, AuditEvent } from './audit-chain';

/**
 * The columns of an event in `COPY ... TO STDOUT` text form, in the order
 * `parseChainRow` reads them. The time goes out as UTC without a zone and with
 * `datestyle = ISO` (`2026-01-01 00:00:00.12`, trailing zeros trimmed) and is
 * completed by `isoTimestamp`: far cheaper for PostgreSQL than `to_char`.
 */
export const CHAIN_ROW_COLUMNS = `id, tenant_id, seq, event_type, actor_type, actor_id, actor_email, resource_type, resource_id,
  payload, ip_address, user_agent, request_id, occurred_at AT TIME ZONE 'UTC', prev_hash, hash`;

/** One event as a line of COPY's text format (tab-separated, without its newline). */
export type ChainRowText = string & { readonly __chainRow: unique symbol };

const COLUMN_COUNT = 16;
/** COPY's text format writes SQL NULL as this. */
const NULL_FIELD = '\\N';

/** The event of one COPY line of `CHAIN_ROW_COLUMNS`. */
export function parseChainRow(line: ChainRowText): AuditEvent {
  const fields = line.split('\t');
  if (fields.length !== COLUMN_COUNT) throw new Error(`audit chain row has ${fields.length} fields, expected ${COLUMN_COUNT}`);
  return {
    id: Number(fields[0]),
    tenant_id: nullableField(fields[1]),
    seq: Number(fields[2]),
    event_type: unescapeCopy(fields[3]),
    actor: { type: unescapeCopy(fields[4]) as AuditActor['type'], id: nullableField(fields[5]), email: nullableField(fields[6]) },
    resource_type: unescapeCopy(fields[7]),
    resource_id: nullableField(fields[8]),
    payload: JSON.parse(unescapeCopy(fields[9])) as Record<string, unknown>,
    ip_address: nullableField(fields[10]),
    user_agent: nullableField(fields[11]),
    request_id: nullableField(fields[12]),
    timestamp: isoTimestamp(fields[13]),
    prev_hash: nullableField(fields[14]),
    hash: unescapeCopy(fields[15]),
  };
}

/**
 * `2026-01-01 00:00:00.12` (a UTC timestamp as PostgreSQL prints it with
 * `datestyle = ISO`, trailing zeros of the fraction trimmed) as
 * `Date#toISOString` prints it, the form that was hashed: `T`, milliseconds
 * always, `Z`. Also takes the `T` form of PostgreSQL's JSON output.
 */
export function isoTimestamp(utc: string): string {
  const separator = utc.charCodeAt(10);
  if (utc.charCodeAt(4) === 0x2d && (separator === 0x20 || separator === 0x54)) {
    const seconds = `${utc.slice(0, 10)}T${utc.slice(11, 19)}`;
    switch (utc.length) {
      case 19:
        return `${seconds}.000Z`;
      case 21:
        return `${seconds}${utc.slice(19)}00Z`;
      case 22:
        return `${seconds}${utc.slice(19)}0Z`;
      case 23:
        return `${seconds}${utc.slice(19)}Z`;
    }
  }
  return new Date(`${utc.replace(' ', 'T')}Z`).toISOString();
}

function nullableField(field: string): string | null {
  return field === NULL_FIELD ? null : unescapeCopy(field);
}

const COPY_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
const COPY_ESCAPE = /\\(.)/gs;

/** Undoes COPY's text-format escaping: backslash before itself, the delimiter and the control characters. */
function unescapeCopy(field: string): string {
  if (!field.includes('\\')) return field;
  return field.replace(COPY_ESCAPE, (_match, escaped: string) => COPY_ESCAPES[escaped] ?? escaped);
}
