import { escapeLiteral, type PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import type { Transaction } from '../unit-of-work';
import { hashAuditEvent, PLATFORM_CHAIN_ID, type AuditActor, type AuditEvent, type UnhashedAuditEvent } from './audit-chain';
import { CHAIN_ROW_COLUMNS, parseChainRow, type ChainRowText } from './chain-row';
import { ByteRowBatches, CopyOutBatches, TextRowBatches, type ByteBufferSource, type RowBatchBuilder, type RowBytes } from './copy-out-batches';

/** What a caller records; the repository adds id, seq, timestamp and hashes. */
export interface AuditDraft {
  tenantId: string | null;
  eventType: string;
  actor: AuditActor;
  resourceType: string;
  resourceId: string | null;
  payload: Record<string, unknown>;
  ipAddress: string | null;
  userAgent: string | null;
  requestId: string | null;
}

/** Advisory-lock namespace of audit chains (the second key is the chain's hash). */
const AUDIT_LOCK_CLASS = 0x5a7d;

const COLUMNS = `id, tenant_id, seq, event_type, actor_type, actor_id, actor_email, resource_type, resource_id,
  payload, ip_address, user_agent, request_id, occurred_at, prev_hash, hash`;

/**
 * The same columns for reading, with the time already in the hashed ISO form:
 * formatting it in PostgreSQL costs the verifier nothing (the server works on
 * the other core) where parsing a Date and printing it again would.
 */
const READ_COLUMNS = COLUMNS.replace(
  'occurred_at',
  `to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at`,
);

/** Events per batch when streaming a chain. */
export const CHAIN_BATCH_SIZE = 500;

/** An `audit_events` row as `READ_COLUMNS` selects it (bigints and the timestamp as text). */
export interface AuditRow {
  id: string;
  tenant_id: string | null;
  seq: string;
  event_type: string;
  actor_type: AuditActor['type'];
  actor_id: string | null;
  actor_email: string | null;
  resource_type: string;
  resource_id: string | null;
  payload: Record<string, unknown>;
  ip_address: string | null;
  user_agent: string | null;
  request_id: string | null;
  occurred_at: string;
  prev_hash: string | null;
  hash: string;
}

export interface AuditFilters {
  /** Chains to search: tenant ids, `null` standing for the platform chain; absent = every chain. */
  chains?: Array<string | null>;
  /** Exact type, or a prefix when it ends with a dot (`user.`). */
  eventType?: string;
  actorId?: string;
  resourceType?: string;
  resourceId?: string;
  since?: Date;
  until?: Date;
}

export class AuditRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Appends an event to its tenant's chain inside the caller's transaction.
   * A transaction-scoped advisory lock per chain serialises appends to one
   * chain (so `seq` is gap-free and each `prev_hash` is its predecessor's),
   * while other chains append in parallel. The lock is released at commit or
   * rollback, so a rolled-back change leaves neither an event nor a gap.
   */
  async append(tx: Transaction, draft: AuditDraft): Promise<AuditEvent> {
    const chainId = draft.tenantId ?? PLATFORM_CHAIN_ID;
    await tx.manager.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [AUDIT_LOCK_CLASS, chainId]);
    const [head] = (await tx.manager.query(
      'SELECT seq, hash FROM audit_events WHERE chain_id = $1 ORDER BY seq DESC LIMIT 1',
      [chainId],
    )) as Array<{ seq: string; hash: string }>;
    const [{ id }] = (await tx.manager.query("SELECT nextval('audit_events_id_seq') AS id")) as Array<{ id: string }>;
    const unhashed: UnhashedAuditEvent = {
      id: Number(id),
      tenant_id: draft.tenantId,
      seq: head ? Number(head.seq) + 1 : 1,
      event_type: draft.eventType,
      actor: draft.actor,
      resource_type: draft.resourceType,
      resource_id: draft.resourceId,
      payload: storableJson(draft.payload),
      ip_address: draft.ipAddress,
      user_agent: draft.userAgent,
      request_id: draft.requestId,
      timestamp: new Date().toISOString(),
      prev_hash: head ? head.hash : null,
    };
    const event: AuditEvent = { ...unhashed, hash: hashAuditEvent(unhashed) };
    await tx.manager.query(
      `INSERT INTO audit_events (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
      [
        event.id,
        event.tenant_id,
        event.seq,
        event.event_type,
        event.actor.type,
        event.actor.id,
        event.actor.email,
        event.resource_type,
        event.resource_id,
        JSON.stringify(event.payload),
        event.ip_address,
        event.user_agent,
        event.request_id,
        event.timestamp,
        event.prev_hash,
        event.hash,
      ],
    );
    return event;
  }

  /**
   * A chain's events in `seq` order, a batch at a time from one streaming
   * query with backpressure, so a verifier's memory stays flat however long
   * the chain is.
   */
  async *streamChain(tenantId: string | null, batchSize = CHAIN_BATCH_SIZE): AsyncGenerator<AuditEvent[]> {
    for await (const rows of this.streamChainRows(tenantId, batchSize)) yield rows.map(parseChainRow);
  }

  /**
   * The same, each event still in its wire form (`parseChainRow` decodes it),
   * read by one `COPY ... TO STDOUT` on a connection of its own from the pool
   * (see `CopyOutBatches` for why). A consumer that decodes each row just
   * before using it leaves only short-lived garbage, which the young-generation
   * GC clears almost for free. Stopping early cancels the COPY.
   */
  async *streamChainRows(tenantId: string | null, batchSize = CHAIN_BATCH_SIZE): AsyncGenerator<ChainRowText[]> {
    for await (const rows of this.copyChain(tenantId, batchSize, new TextRowBatches())) yield rows as ChainRowText[];
  }

  /**
   * The same, each batch still as the bytes PostgreSQL sent (rows of
   * `CHAIN_ROW_COLUMNS`, each ending in a newline) in a buffer of its own:
   * what the reading thread hands to the hashing threads (`verifyChain`)
   * without decoding a character. `buffers` lets the caller hand out buffers
   * it has finished with, so that a long chain reuses a few.
   */
  async *streamChainBytes(tenantId: string | null, batchSize = CHAIN_BATCH_SIZE, buffers?: ByteBufferSource): AsyncGenerator<RowBytes> {
    yield* this.copyChain(tenantId, batchSize, new ByteRowBatches(buffers));
  }

  private async *copyChain<Batch>(tenantId: string | null, batchSize: number, builder: RowBatchBuilder<Batch>): AsyncGenerator<Batch> {
    const chainId = tenantId ?? PLATFORM_CHAIN_ID;
    // COPY takes no bind parameters; the id is quoted by the driver and cast.
    // SET LOCAL lasts for this query string only (one implicit transaction).
    const copy = new CopyOutBatches(
      `SET LOCAL datestyle = 'ISO'; COPY (SELECT ${CHAIN_ROW_COLUMNS} FROM audit_events
         WHERE chain_id = ${escapeLiteral(chainId)}::uuid ORDER BY seq) TO STDOUT`,
      batchSize,
      builder,
    );
    const runner = this.dataSource.createQueryRunner();
    const client = (await runner.connect()) as PoolClient;
    try {
      const [{ pid }] = (await client.query('SELECT pg_backend_pid() AS pid')).rows as Array<{ pid: number }>;
      try {
        client.query(copy);
        yield* copy.batches();
      } finally {
        if (!copy.done) {
          // The connection goes back to the pool only after the server is
          // done, so the cancel cannot hit a later query of someone else.
          copy.discard();
          await this.dataSource.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => undefined);
          await copy.settled();
        }
      }
    } finally {
      await runner.release();
    }
  }

  /** Filtered events, newest first unless `oldestFirst`; each filter is served by an index. */
  async search(filters: AuditFilters, window: { limit: number; offset: number; oldestFirst?: boolean }): Promise<{ rows: AuditEvent[]; count: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: (n: number) => string, value: unknown) => {
      params.push(value);
      where.push(clause(params.length));
    };
    if (filters.chains) {
      const tenants = filters.chains.filter((chain): chain is string => chain !== null);
      const platform = filters.chains.includes(null);
      params.push(tenants);
      where.push(`(tenant_id = ANY($${params.length}::uuid[])${platform ? ' OR tenant_id IS NULL' : ''})`);
    }
    if (filters.eventType) {
      if (filters.eventType.endsWith('.')) add((n) => `event_type LIKE $${n}`, `${filters.eventType.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      else add((n) => `event_type = $${n}`, filters.eventType);
    }
    if (filters.actorId) add((n) => `actor_id = $${n}`, filters.actorId);
    if (filters.resourceType) add((n) => `resource_type = $${n}`, filters.resourceType);
    if (filters.resourceId) add((n) => `resource_id = $${n}`, filters.resourceId);
    if (filters.since) add((n) => `occurred_at >= $${n}`, filters.since);
    if (filters.until) add((n) => `occurred_at < $${n}`, filters.until);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const n = params.length;
    const [rows, [{ count }]] = await Promise.all([
      this.dataSource.query(
        `SELECT ${READ_COLUMNS} FROM audit_events ${clause} ORDER BY id ${window.oldestFirst ? 'ASC' : 'DESC'} LIMIT $${n + 1} OFFSET $${n + 2}`,
        [...params, window.limit, window.offset],
      ) as Promise<AuditRow[]>,
      this.dataSource.query(`SELECT count(*) AS count FROM audit_events ${clause}`, params) as Promise<Array<{ count: string }>>,
    ]);
    return { rows: rows.map(auditEventOfRow), count: Number(count) };
  }

  async countChain(tenantId: string | null): Promise<number> {
    const [{ count }] = (await this.dataSource.query('SELECT count(*) AS count FROM audit_events WHERE chain_id = $1', [
      tenantId ?? PLATFORM_CHAIN_ID,
    ])) as Array<{ count: string }>;
    return Number(count);
  }

  /** Every chain that has events: the platform chain as `null`, then tenants. */
  async chains(): Promise<Array<string | null>> {
    const rows = (await this.dataSource.query(
      'SELECT DISTINCT tenant_id FROM audit_events ORDER BY tenant_id NULLS FIRST',
    )) as Array<{ tenant_id: string | null }>;
    return rows.map((row) => row.tenant_id);
  }
}

/** The API's and the chain's form of a row. */
export function auditEventOfRow(row: AuditRow): AuditEvent {
  return {
    id: Number(row.id),
    tenant_id: row.tenant_id,
    seq: Number(row.seq),
    event_type: row.event_type,
    actor: { type: row.actor_type, id: row.actor_id, email: row.actor_email },
    resource_type: row.resource_type,
    resource_id: row.resource_id,
    payload: row.payload,
    ip_address: row.ip_address,
    user_agent: row.user_agent,
    request_id: row.request_id,
    timestamp: row.occurred_at,
    prev_hash: row.prev_hash,
    hash: row.hash,
  };
}

/**
 * The payload exactly as PostgreSQL's jsonb will give it back, so the hash
 * computed now matches the one a verifier recomputes: `undefined` dropped,
 * dates as ISO strings, and the two things jsonb refuses replaced (NUL
 * characters and unpaired surrogates).
 */
function storableJson(payload: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(payload, (_key, value: unknown) =>
      typeof value === 'string' ? wellFormed(value).replaceAll('\u0000', '\uFFFD') : value,
    ),
  ) as Record<string, unknown>;
}

/** `String.prototype.toWellFormed` (Node 20; typed from ES2024 on). */
function wellFormed(text: string): string {
  return (text as string & { toWellFormed(): string }).toWellFormed();
}
