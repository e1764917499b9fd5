import { OperatorRedisKeys } from '@sluice/contracts';
import { ShutdownHooks } from '@sluice/platform';
import { deleteKeysWithPrefix, TEST_REDIS_URL, uniqueKeyPrefix } from '@sluice/testing';
import Redis from 'ioredis';
import { ErrorCounts, noteFailedTenant } from './error-counts';

describe('ErrorCounts', () => {
  const prefix = uniqueKeyPrefix();
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL, { keyPrefix: prefix });
  });
  afterAll(async () => {
    redis.disconnect();
    await deleteKeysWithPrefix(prefix);
  });

  const counts = async (key: string) => Object.fromEntries(Object.entries(await redis.hgetall(key)).map(([code, n]) => [code, Number(n)]));
  const at = new Date('2026-12-06T10:00:00Z');

  it('sums refusals in memory and adds them to the day, month and tenant-day hashes at a flush, with a TTL', async () => {
    await redis.ping();
    const errors = new ErrorCounts(redis);
    const anonymous = {};
    const known = {};
    noteFailedTenant(known, 'tenant-a');
    errors.count('invalid_api_key', anonymous, at);
    errors.count('invalid_api_key', anonymous, at);
    errors.count('rate_limit_exceeded', known, at);
    expect(await redis.exists(OperatorRedisKeys.errorsOnDay('20261206'))).toBe(0);

    await errors.flush();
    await errors.flush();

    expect(await counts(OperatorRedisKeys.errorsOnDay('20261206'))).toEqual({ invalid_api_key: 2, rate_limit_exceeded: 1 });
    expect(await counts(OperatorRedisKeys.errorsInMonth('202612'))).toEqual({ invalid_api_key: 2, rate_limit_exceeded: 1 });
    expect(await counts(OperatorRedisKeys.tenantErrorsOnDay('tenant-a', '20261206'))).toEqual({ rate_limit_exceeded: 1 });
    expect(await redis.ttl(OperatorRedisKeys.errorsOnDay('20261206'))).toBeGreaterThan(24 * 3600);
    expect(await redis.ttl(OperatorRedisKeys.errorsInMonth('202612'))).toBeGreaterThan(31 * 24 * 3600);

    errors.count('provider_unavailable', known, new Date('2026-12-07T00:00:01Z'));
    await errors.flush();
    expect(await counts(OperatorRedisKeys.errorsOnDay('20261207'))).toEqual({ provider_unavailable: 1 });
    expect(await counts(OperatorRedisKeys.errorsInMonth('202612'))).toEqual({ invalid_api_key: 2, rate_limit_exceeded: 1, provider_unavailable: 1 });
  });

  it('keeps the counts while Redis is away and never throws, then writes them once it is back', async () => {
    const away = new Redis(TEST_REDIS_URL, { keyPrefix: `${prefix}away:`, lazyConnect: true });
    const errors = new ErrorCounts(away);
    errors.count('provider_error', {}, at);
    await expect(errors.flush()).resolves.toBeUndefined();

    await away.connect();
    await errors.flush();
    expect(await counts(`away:${OperatorRedisKeys.errorsOnDay('20261206')}`)).toEqual({ provider_error: 1 });
    away.disconnect();
  });

  it('writes the last counts in the drain, before Redis closes', async () => {
    const hooks = new ShutdownHooks();
    const errors = new ErrorCounts(redis, hooks);
    errors.onApplicationBootstrap();
    errors.count('origin_not_allowed', {}, at);
    await hooks.run();
    expect(await counts(OperatorRedisKeys.errorsOnDay('20261206'))).toMatchObject({ origin_not_allowed: 1 });
  });
});
