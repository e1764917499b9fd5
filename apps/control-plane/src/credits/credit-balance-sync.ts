import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { RedisKeys } from '@sluice/contracts';
import { CreditsRepository, type CreditTotals } from '@sluice/control-plane/data-access';
import { REDIS } from '@sluice/platform';
import type Redis from 'ioredis';
import { SchemaReady } from '../database/schema-ready';

/**
 * Brings a tenant's live balance in Redis up to the ledger's top-ups, in one
 * atomic step. KEYS: balance, applied top-ups total. ARGV: the ledger's top-up
 * total, the ledger's balance (for a rebuild).
 *
 * - The applied total present: add `top-ups − applied` when positive. The
 *   ledger's total only grows, so a retried, late or reordered call adds
 *   nothing twice, and spend the gateway settled in Redis is never touched.
 * - The applied total missing: Redis lost the tenant's credit state (or never
 *   had it), so the balance is rebuilt as the ledger's balance.
 */
const APPLY_TOP_UPS = `
local applied = redis.call('GET', KEYS[2])
if not applied then
  redis.call('SET', KEYS[1], ARGV[2])
  redis.call('SET', KEYS[2], ARGV[1])
  return 'rebuilt'
end
local delta = tonumber(ARGV[1]) - tonumber(applied)
if delta > 0 then
  redis.call('INCRBY', KEYS[1], delta)
  redis.call('SET', KEYS[2], ARGV[1])
  return 'applied'
end
return 'current'`;

export type SyncOutcome = 'rebuilt' | 'applied' | 'current';

const PAGE = 500;

/**
 * Keeps the gateway's credit balances (`RedisKeys.credits`) consistent with
 * the ledger: after each top-up commits, and for every tenant with ledger
 * entries on start and whenever Redis comes back (see docs/limits.md §credits).
 */
@Injectable()
export class CreditBalanceSync implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Credits');
  private running: Promise<void> | null = null;
  private readonly onReady = () => void this.syncAll();

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly credits: CreditsRepository,
    private readonly schema: SchemaReady,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // On a database a migration job has yet to bring up to date, the first sync waits for it.
    await this.schema.whenMigrated('syncing credit balances to Redis', async () => {
      this.redis.on('ready', this.onReady);
      await this.syncAll();
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.redis.off('ready', this.onReady);
    await this.running;
  }

  /** Applies one tenant's committed top-ups; throws when Redis is unavailable (the next sync catches up). */
  async sync(totals: CreditTotals): Promise<SyncOutcome> {
    return (await this.redis.eval(
      APPLY_TOP_UPS,
      2,
      RedisKeys.credits(totals.tenant_id),
      RedisKeys.creditTopUpsApplied(totals.tenant_id),
      totals.top_ups_micros,
      totals.balance_micros,
    )) as SyncOutcome;
  }

  /** Every tenant with ledger entries; one run at a time. Never throws. */
  syncAll(): Promise<void> {
    this.running ??= this.syncPages()
      .catch((error: unknown) => this.logger.warn(`Credit balance sync failed, will retry when Redis returns: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => (this.running = null));
    return this.running;
  }

  private async syncPages(): Promise<void> {
    let after: string | null = null;
    let rebuilt = 0;
    let applied = 0;
    for (;;) {
      const page = await this.credits.totalsPage(after, PAGE);
      for (const totals of page) {
        const outcome = await this.sync(totals);
        if (outcome === 'rebuilt') rebuilt++;
        if (outcome === 'applied') applied++;
      }
      if (page.length < PAGE) break;
      after = page[page.length - 1].tenant_id;
    }
    if (rebuilt + applied > 0) this.logger.log(`Credit balances synced from the ledger: ${rebuilt} rebuilt, ${applied} caught up`);
  }
}
