import Redis from 'ioredis';
import { DisposableRedisServer } from '@sluice/testing';
import { LuaScript } from './lua-script';

// SCRIPT FLUSH empties the server's whole script cache, so it runs on a private server, never the shared one.
let server: DisposableRedisServer;
let redis: Redis;

beforeAll(async () => {
  server = await DisposableRedisServer.start();
  redis = new Redis(server.url, { keyPrefix: 'p:' });
});

afterAll(async () => {
  await redis.quit();
  await server.stop();
});

describe('LuaScript', () => {
  const script = new LuaScript("return redis.call('INCRBY', KEYS[1], ARGV[1])");

  it('runs by hash, and by source after the server forgot the script (NOSCRIPT)', async () => {
    expect(await script.run(redis, ['counter'], ['2'])).toBe(2);
    expect(await redis.script('EXISTS', script.sha)).toEqual([1]);
    await redis.script('FLUSH');
    expect(await script.run(redis, ['counter'], ['3'])).toBe(5);
    // ioredis prefixes the script's keys like any other key.
    expect(await redis.get('counter')).toBe('5');
    const unprefixed = new Redis(server.url);
    expect(await unprefixed.get('p:counter')).toBe('5');
    await unprefixed.quit();
  });

  it('passes other script errors through', async () => {
    const failing = new LuaScript("return redis.error_reply('boom')");
    await expect(failing.run(redis, [], [])).rejects.toThrow('boom');
  });
});
