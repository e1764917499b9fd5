import type { DataSource, EntityManager } from 'typeorm';

/** A month as its first day, `YYYY-MM-01`, in UTC. */
export type Month = string;

const NAME_PATTERN = /^usage_events_y(\d{4})m(\d{2})$/;
const MONTH_PATTERN = /^\d{4}-(0[1-9]|1[0-2])-01$/;
const DEFAULT_PARTITION = 'usage_events_default';
/** Serialises the partitions job's changes across replicas (and with a second run of the job on one). */
const LOCK_KEY = "hashtext('sluice:usage_events_partitions')";

/** `usage_events_y2026m12` for the month starting `2026-12-01`: the name PartitionUsageEvents1764800000000 gives its partitions too. */
export function partitionName(month: Month): string {
  return `usage_events_y${month.slice(0, 4)}m${month.slice(5, 7)}`;
}

/** The month a partition's name stands for, or null for the DEFAULT partition and any other table. */
export function monthOfPartition(name: string): Month | null {
  const match = NAME_PATTERN.exec(name);
  return match ? `${match[1]}-${match[2]}-01` : null;
}

/** The month `offset` months after `month` (negative: before). */
export function addMonths(month: Month, offset: number): Month {
  const index = Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1 + offset;
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}-01`;
}

/** The UTC month `at` falls in. */
export function monthOf(at: Date): Month {
  return `${at.toISOString().slice(0, 7)}-01`;
}

/**
 * The monthly partitions of `usage_events` (docs/scaling.md, "PostgreSQL at
 * volume"). Each change runs in its own transaction under one advisory lock,
 * so replicas running the partitions job at once take turns.
 */
export class UsagePartitionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The months with a partition attached to `usage_events`, oldest first. */
  async attachedMonths(): Promise<Month[]> {
    const rows = (await this.dataSource.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'usage_events'::regclass`,
    )) as Array<{ name: string }>;
    return rows
      .map((row) => monthOfPartition(row.name))
      .filter((month): month is Month => month !== null)
      .sort();
  }

  /** The months of the events the DEFAULT partition holds (events of a month that had no partition when they came). */
  async monthsInDefault(): Promise<Month[]> {
    const rows = (await this.dataSource.query(
      `SELECT DISTINCT to_char(date_trunc('month', started_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS month FROM ${DEFAULT_PARTITION} ORDER BY 1`,
    )) as Array<{ month: string }>;
    return rows.map((row) => row.month);
  }

  /**
   * Gives `month` a partition of its own, moving its events out of the
   * DEFAULT partition (PostgreSQL refuses a partition whose range the DEFAULT
   * partition holds rows of). Resolves to whether it created one: false when
   * the month has one already, or when a table of its name exists detached
   * (retention detached it; it is the operator's to archive or drop).
   */
  async ensureMonth(month: Month): Promise<boolean> {
    // The name and bounds go into DDL, which takes no parameters: only a month's first day gets that far.
    if (!MONTH_PATTERN.test(month)) throw new Error(`Not the first day of a month: ${month}`);
    const name = partitionName(month);
    const from = `${month} 00:00:00+00`;
    const to = `${addMonths(month, 1)} 00:00:00+00`;
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(${LOCK_KEY})`);
      if (await tableExists(manager, name)) return false;
      // First the DEFAULT partition, as an insert routed to it would lock it: the ingest waits (briefly) rather than deadlocks.
      await manager.query(`LOCK TABLE ${DEFAULT_PARTITION} IN ACCESS EXCLUSIVE MODE`);
      await manager.query(`CREATE TABLE ${name} (LIKE usage_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
      await manager.query(
        `WITH moved AS (DELETE FROM ${DEFAULT_PARTITION} WHERE started_at >= $1 AND started_at < $2 RETURNING *) INSERT INTO ${name} SELECT * FROM moved`,
        [from, to],
      );
      await manager.query(`ALTER TABLE usage_events ATTACH PARTITION ${name} FOR VALUES FROM ('${from}') TO ('${to}')`);
      return true;
    });
  }

  /**
   * Detaches every monthly partition of a month before `cutoff`; resolves to
   * the tables detached. They stay in the database, outside `usage_events`
   * (docs/operations.md: archive, then drop).
   */
  async detachBefore(cutoff: Month): Promise<string[]> {
    const detached: string[] = [];
    for (const month of await this.attachedMonths()) {
      if (month >= cutoff) break;
      const name = partitionName(month);
      await this.dataSource.transaction(async (manager) => {
        await manager.query(`SELECT pg_advisory_xact_lock(${LOCK_KEY})`);
        // Another replica's run may have detached it while this one waited for the lock.
        const [row] = (await manager.query(`SELECT count(*)::int AS attached FROM pg_inherits WHERE inhrelid = to_regclass($1) AND inhparent = 'usage_events'::regclass`, [name])) as Array<{
          attached: number;
        }>;
        if (row.attached === 0) return;
        await manager.query(`ALTER TABLE usage_events DETACH PARTITION ${name}`);
        detached.push(name);
      });
    }
    return detached;
  }
}

async function tableExists(manager: EntityManager, name: string): Promise<boolean> {
  const [row] = (await manager.query(`SELECT to_regclass($1) IS NOT NULL AS present`, [name])) as Array<{ present: boolean }>;
  return row.present;
}
