import { Inject, Injectable } from '@nestjs/common';
import { REDIS, SluiceException } from '@sluice/platform';
import type { Redis } from 'ioredis';

const WINDOW_MS = 60_000;

/**
 * Inbound webhook requests per provider per minute, counted in Redis so every
 * replica shares the count (a fixed one-minute window). It replaces the
 * anonymous per-address throttle on that route: a partner sends from few
 * addresses, and one noisy provider must not starve another.
 */
@Injectable()
export class InboundRateLimit {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async admit(providerId: string, limitPerMinute: number, now = Date.now()): Promise<void> {
    const window = Math.floor(now / WINDOW_MS);
    const key = `integrations:webhook-rate:${providerId}:${window}`;
    const [[, count]] = (await this.redis.multi().incr(key).pexpire(key, WINDOW_MS * 2).exec().catch(() => {
      throw new SluiceException('service_unavailable', 'Webhooks cannot be admitted right now (Redis is unavailable); retry shortly');
    })) as [[Error | null, number]];
    if (count > limitPerMinute) {
      const resetSeconds = Math.ceil(((window + 1) * WINDOW_MS) / 1000);
      throw new SluiceException('rate_limit_exceeded', `This provider may send ${limitPerMinute} webhook requests per minute`, {}, null, {
        'retry-after': String(Math.max(1, resetSeconds - Math.floor(now / 1000))),
        'x-ratelimit-limit': String(limitPerMinute),
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(resetSeconds),
      });
    }
  }
}
