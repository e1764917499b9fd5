import { Inject, Injectable } from '@nestjs/common';
import { RedisKeys } from '@sluice/contracts';
import { utcDayStamp, utcMonthStamp } from '@sluice/gateway/redis-state';
import { REDIS, SluiceException } from '@sluice/platform';
import type Redis from 'ioredis';

/** The published shape of `GET /metrics/{tenant_id}`: token counts as strings, `daily` by model for today (UTC), `monthly.total` for this UTC month. */
export interface TenantMetricsResponse {
  tenant_id: string;
  daily: Record<string, string>;
  monthly: { total: string };
}

/** Reads the token totals that settlement keeps in Redis (see `token-totals.ts` in redis-state). */
@Injectable()
export class TenantMetricsService {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async totals(tenantId: string, now = new Date()): Promise<TenantMetricsResponse> {
    const results = await this.redis
      .pipeline()
      .hgetall(RedisKeys.tenantDailyTokens(tenantId, utcDayStamp(now)))
      .get(RedisKeys.tenantMonthlyTokens(tenantId, utcMonthStamp(now)))
      .exec()
      .catch(() => null);
    if (results === null || results.some(([error]) => error !== null)) {
      throw new SluiceException('service_unavailable', 'Metrics cannot be read right now; retry shortly');
    }
    const [[, daily], [, monthly]] = results as [[null, Record<string, string>], [null, string | null]];
    return { tenant_id: tenantId, daily, monthly: { total: monthly ?? '0' } };
  }
}
