import { Inject, Injectable } from '@nestjs/common';
import { RedisKeys } from '@sluice/contracts';
import { REDIS, SluiceException } from '@sluice/platform';
import type Redis from 'ioredis';
import type { ApplicableConcurrency, ApplicableWindow } from './live-limits';

export interface CounterRead {
  nowMs: number;
  windows: Array<{ w: string | null; n: string | null }>;
  concurrency: number[];
  quota: { calls: number; tokens: number };
  credits: { balance: number | null; held: number };
}

/**
 * Reads, in one pipeline, the Redis counters the admission script keeps
 * (docs/limits.md, Redis keys): windows, in-flight sets, the period's quota
 * counters and the credit balance. Reads only: nothing is purged or reserved.
 */
@Injectable()
export class LimitCounters {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async read(tenantId: string, windows: ApplicableWindow[], concurrency: ApplicableConcurrency[], periodStart: string): Promise<CounterRead> {
    try {
      const [seconds, micros] = await this.redis.time();
      const nowMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
      const pipeline = this.redis.pipeline();
      for (const window of windows) pipeline.hmget(RedisKeys.limitWindow(tenantId, window.subject, window.window), 'w', 'n');
      // Slots are scored by their deadline: those past it belong to crashed requests and are not in use.
      for (const slots of concurrency) pipeline.zcount(RedisKeys.concurrency(tenantId, slots.subject), `(${nowMs}`, '+inf');
      pipeline.get(RedisKeys.quotaCounter(tenantId, periodStart, 'calls'));
      pipeline.get(RedisKeys.quotaCounter(tenantId, periodStart, 'tokens'));
      pipeline.get(RedisKeys.credits(tenantId));
      pipeline.get(RedisKeys.creditHeld(tenantId));
      const replies = ((await pipeline.exec()) ?? []).map(([error, value]) => {
        if (error) throw error;
        return value;
      });
      const windowReplies = replies.slice(0, windows.length) as Array<[string | null, string | null]>;
      const slotReplies = replies.slice(windows.length, windows.length + concurrency.length) as number[];
      const [calls, tokens, balance, held] = replies.slice(windows.length + concurrency.length) as Array<string | null>;
      return {
        nowMs,
        windows: windowReplies.map(([w, n]) => ({ w, n })),
        concurrency: slotReplies.map(Number),
        quota: { calls: Number(calls ?? 0), tokens: Number(tokens ?? 0) },
        credits: { balance: balance === null ? null : Number(balance), held: Math.max(0, Number(held ?? 0)) },
      };
    } catch (error) {
      if (error instanceof SluiceException) throw error;
      throw new SluiceException('service_unavailable', 'Live limits cannot be read right now (Redis is unavailable); retry shortly');
    }
  }
}
