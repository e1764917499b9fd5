import { RedisKeys } from '@sluice/contracts';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { isAccessTokenRevoked } from './token-revocation';

describe('isAccessTokenRevoked (on a real Redis)', () => {
  const redis = new Redis(process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379/0', { keyPrefix: `test:revocation:${randomUUID()}:`, lazyConnect: true });
  const written: string[] = [];

  afterAll(async () => {
    if (written.length > 0) await redis.del(...written);
    redis.disconnect();
  });

  async function mark(key: string): Promise<void> {
    written.push(key);
    await redis.set(key, '1', 'EX', 60);
  }

  it('is false for a token nobody revoked', async () => {
    expect(await isAccessTokenRevoked(redis, { jti: randomUUID(), sid: randomUUID() })).toBe(false);
  });

  it('is true once the token itself is revoked', async () => {
    const jti = randomUUID();
    await mark(RedisKeys.revokedAccessToken(jti));
    expect(await isAccessTokenRevoked(redis, { jti, sid: randomUUID() })).toBe(true);
  });

  it('is true for every token of a revoked session', async () => {
    const sid = randomUUID();
    await mark(RedisKeys.revokedSession(sid));
    expect(await isAccessTokenRevoked(redis, { jti: randomUUID(), sid })).toBe(true);
    expect(await isAccessTokenRevoked(redis, { jti: randomUUID(), sid })).toBe(true);
  });

  it('rejects when Redis cannot answer, so the caller can refuse the token', async () => {
    const down = new Redis('redis://127.0.0.1:1/0', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    down.on('error', () => undefined);
    await expect(isAccessTokenRevoked(down, { jti: randomUUID(), sid: randomUUID() })).rejects.toThrow();
    down.disconnect();
  });
});
