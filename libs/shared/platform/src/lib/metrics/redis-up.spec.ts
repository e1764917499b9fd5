import type Redis from 'ioredis';
import { createMetricsRegistry } from './metrics';
import { registerRedisUpGauge } from './redis-up';

describe('sluice_redis_up', () => {
  it('follows the connection state at each scrape', async () => {
    const registry = createMetricsRegistry('test');
    const redis = { status: 'ready' } as { status: Redis['status'] };
    registerRedisUpGauge(registry, redis as Redis);
    const value = async () => (await registry.getSingleMetric('sluice_redis_up')?.get())?.values.map((sample) => sample.value);

    expect(await value()).toEqual([1]);
    redis.status = 'reconnecting';
    expect(await value()).toEqual([0]);
    redis.status = 'ready';
    expect(await value()).toEqual([1]);
  });
});
