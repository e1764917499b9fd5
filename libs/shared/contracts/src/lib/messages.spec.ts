import { invalidationFor, parseInvalidationMessage } from './messages';
import { RedisChannels, RedisKeys } from './redis-names';

describe('redis contract', () => {
  it('tags every per-request key with the tenant so Lua scripts run on Redis Cluster', () => {
    const tenant = '550e8400-e29b-41d4-a716-446655440000';
    for (const key of [
      RedisKeys.tenant(tenant),
      RedisKeys.limitWindow(tenant, 'key:1', 'rpm'),
      RedisKeys.concurrency(tenant, 'tenant'),
      RedisKeys.credits(tenant),
    ]) {
      expect(key).toContain(`{${tenant}}`);
    }
  });

  it('prefixes channels explicitly, since ioredis prefixes only keys', () => {
    expect(RedisChannels.invalidation('sluice:')).toBe('sluice:invalidate:v1');
  });

  it('accepts known message versions and ignores anything else', () => {
    expect(parseInvalidationMessage('{"v":1,"kind":"tenant","id":"t1"}')).toEqual({ v: 1, kind: 'tenant', id: 't1' });
    expect(parseInvalidationMessage('{"v":2,"kind":"tenant"}')).toBeNull();
    expect(parseInvalidationMessage('not json')).toBeNull();
    expect(parseInvalidationMessage('null')).toBeNull();
  });
});

describe('invalidationFor', () => {
  it('names the changed record: a key by hash, a tenant by id, the catalog alone', () => {
    expect(invalidationFor({ kind: 'api_key', id: 'h1' })).toEqual({ v: 1, kind: 'api_key', id: 'h1' });
    expect(invalidationFor({ kind: 'tenant', id: 't1' })).toEqual({ v: 1, kind: 'tenant', id: 't1' });
    expect(invalidationFor({ kind: 'catalog' })).toEqual({ v: 1, kind: 'catalog' });
  });
});
