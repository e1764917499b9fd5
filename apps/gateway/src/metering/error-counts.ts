import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ERROR_COUNTS_DAY_TTL_SECONDS, ERROR_COUNTS_MONTH_TTL_SECONDS, OperatorRedisKeys, type ErrorCode } from '@sluice/contracts';
import { REDIS, ShutdownHooks } from '@sluice/platform';
import type Redis from 'ioredis';

/** How often counted errors leave for Redis. */
export const ERROR_COUNTS_FLUSH_INTERVAL_MS = 1_000;

const NO_TENANT = '';

/** The tenant of a request that failed after authentication, set on the error path only. */
const failedTenants = new WeakMap<object, string>();

export function noteFailedTenant(request: object, tenantId: string): void {
  failedTenants.set(request, tenantId);
}

/**
 * Counts the requests the gateway refused or failed, by error code, for the
 * operator's monitor (docs/operations.md, Operator endpoints): per UTC day and
 * month, and per tenant and day where the tenant is known. `count` only adds
 * to a map in memory; a timer sends the sums to Redis once a second. So a
 * flood of refusals (a bad key hammered, a tenant far over its limit) costs
 * Redis a few HINCRBYs a second rather than one per refusal, and a Redis that
 * is away delays the counts rather than the answers. Successful requests
 * never reach this class.
 */
@Injectable()
export class ErrorCounts implements OnApplicationBootstrap {
  private readonly logger = new Logger('ErrorCounts');
  /** day (`yyyymmdd`) → tenant id (or none) → code → count, not yet in Redis. */
  private pending = new Map<string, Map<string, Map<string, number>>>();
  private timer: NodeJS.Timeout | undefined;
  private warned = false;

  constructor(@Inject(REDIS) private readonly redis: Redis, hooks?: ShutdownHooks) {
    // After the last request has been answered, before Redis closes: the last second's counts are written too.
    hooks?.register('error counts flush', async () => {
      clearInterval(this.timer);
      await this.flush();
    });
  }

  /** The answer to `request` failed with `code`; never throws. */
  count(code: ErrorCode, request: object, now = new Date()): void {
    this.add(now.toISOString().slice(0, 10).replaceAll('-', ''), failedTenants.get(request) ?? NO_TENANT, code, 1);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.flush(), ERROR_COUNTS_FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  /**
   * Adds what was counted since the last flush to Redis. Each command names one
   * key (no multi-key pipeline or script), so it runs on Redis Cluster; the
   * client's auto-pipelining still sends them in one write. A failed flush is
   * tried again at the next one (a write that half succeeded may then count
   * some refusals twice: these are operational counts, not billing).
   */
  async flush(): Promise<void> {
    if (this.pending.size === 0 || this.redis.status !== 'ready') return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await Promise.all([...batch].flatMap(([day, tenants]) => [...tenants].map(([tenant, codes]) => this.write(day, tenant, codes))));
      this.warned = false;
    } catch (error) {
      for (const [day, tenants] of batch) for (const [tenant, codes] of tenants) for (const [code, n] of codes) this.add(day, tenant, code, n);
      if (!this.warned) this.logger.warn(`Error counts not written, kept for the next flush: ${error instanceof Error ? error.message : String(error)}`);
      this.warned = true;
    }
  }

  private async write(day: string, tenant: string, codes: Map<string, number>): Promise<void> {
    const targets: Array<[string, number]> =
      tenant === NO_TENANT ? [] : [[OperatorRedisKeys.tenantErrorsOnDay(tenant, day), ERROR_COUNTS_DAY_TTL_SECONDS]];
    targets.push([OperatorRedisKeys.errorsOnDay(day), ERROR_COUNTS_DAY_TTL_SECONDS], [OperatorRedisKeys.errorsInMonth(day.slice(0, 6)), ERROR_COUNTS_MONTH_TTL_SECONDS]);
    const writes: Array<Promise<unknown>> = [];
    for (const [key, ttl] of targets) {
      for (const [code, n] of codes) writes.push(this.redis.hincrby(key, code, n));
      writes.push(this.redis.expire(key, ttl));
    }
    await Promise.all(writes);
  }

  private add(day: string, tenant: string, code: string, n: number): void {
    let tenants = this.pending.get(day);
    if (!tenants) this.pending.set(day, (tenants = new Map()));
    let codes = tenants.get(tenant);
    if (!codes) tenants.set(tenant, (codes = new Map()));
    codes.set(code, (codes.get(code) ?? 0) + n);
  }
}
