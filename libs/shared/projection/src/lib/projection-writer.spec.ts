import { parseInvalidationMessage, RedisChannels, RedisKeys, type InvalidationMessage } from '@sluice/contracts';
import { deleteKeysWithPrefix, TEST_REDIS_URL, tenantRecord, uniqueKeyPrefix, waitUntil } from '@sluice/testing';
import Redis from 'ioredis';
import { projectionKey, ProjectionWriter, writeProjectionRecord, type ProjectionEntry } from './projection-writer';

describe('ProjectionWriter (on a real Redis)', () => {
  const prefix = uniqueKeyPrefix();
  const redis = new Redis(TEST_REDIS_URL, { keyPrefix: prefix });
  const subscriber = new Redis(TEST_REDIS_URL);
  const heard: InvalidationMessage[] = [];
  const writer = new ProjectionWriter(redis, prefix);

  beforeAll(async () => {
    subscriber.on('message', (_channel: string, raw: string) => {
      const message = parseInvalidationMessage(raw);
      if (message) heard.push(message);
    });
    await subscriber.subscribe(RedisChannels.invalidation(prefix));
  });

  afterAll(async () => {
    subscriber.disconnect();
    redis.disconnect();
    await deleteKeysWithPrefix(prefix);
  });

  beforeEach(() => {
    heard.length = 0;
  });

  function entry(id: string, value: string | null): ProjectionEntry {
    const target = { kind: 'tenant', id } as const;
    return { target, key: projectionKey(target), value, expiresAtMs: null };
  }

  it('writes and deletes records, announcing each change on the invalidation channel', async () => {
    await writer.write([entry('t1', '{"v":1}'), entry('t2', null)]);
    expect(await redis.get(RedisKeys.tenant('t1'))).toBe('{"v":1}');
    expect(await redis.exists(RedisKeys.tenant('t2'))).toBe(0);
    await waitUntil(() => heard.length === 2, 1_000);
    expect(heard).toEqual([
      { v: 1, kind: 'tenant', id: 't1' },
      { v: 1, kind: 'tenant', id: 't2' },
    ]);
  });

  it('gives a record with an expiry its absolute deadline', async () => {
    const expiresAtMs = Date.now() + 60_000;
    await writer.write([{ ...entry('t3', '{"v":1}'), expiresAtMs }]);
    const ttl = await redis.pttl(RedisKeys.tenant('t3'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('reconciles: rewrites what differs, leaves what matches, deletes projection keys nothing accounts for', async () => {
    await writer.write([entry('keep', 'same'), entry('stale', 'old'), entry('orphan', 'x')]);
    await redis.set('not-a-projection-key', 'untouched');
    const result = await writer.reconcile([entry('keep', 'same'), entry('stale', 'new'), entry('missing', 'm'), entry('t1', '{"v":1}'), entry('t3', '{"v":1}')]);
    expect(result).toEqual({ written: 2, deleted: 1 });
    expect(await redis.get(RedisKeys.tenant('stale'))).toBe('new');
    expect(await redis.get(RedisKeys.tenant('missing'))).toBe('m');
    expect(await redis.exists(RedisKeys.tenant('orphan'))).toBe(0);
    expect(await redis.get('not-a-projection-key')).toBe('untouched');
  });

  it('writeProjectionRecord stores one typed record the way the projector does', async () => {
    const tenant = tenantRecord();
    await writeProjectionRecord(redis, prefix, { kind: 'tenant', id: tenant.id }, tenant);
    expect(JSON.parse((await redis.get(RedisKeys.tenant(tenant.id))) ?? 'null')).toEqual(tenant);
    await writeProjectionRecord(redis, prefix, { kind: 'catalog' }, null);
    expect(await redis.exists(RedisKeys.catalog())).toBe(0);
    await waitUntil(() => heard.some((message) => message.kind === 'catalog'), 1_000);
  });
});
