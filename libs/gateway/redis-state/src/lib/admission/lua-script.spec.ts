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

  it('runs at once by hash, and by source after NOSCRIPT, with the key prefix', async () => {
    await redis.set('at-once', '1');
    expect(await script.runAtOnce(redis, ['at-once'], ['2'])).toBe(3);
    await redis.script('FLUSH');
    expect(await script.runAtOnce(redis, ['at-once'], ['3'])).toBe(6);
    expect(await redis.get('at-once')).toBe('6');
  });

  it('runs at once on an auto-pipelining connection: ahead of the batch being gathered, not in it', async () => {
    const pipelining = new Redis(server.url, { keyPrefix: 'p:', enableAutoPipelining: true });
    try {
      await pipelining.set('queued', 'x');
      const replies: string[] = [];
      const track = (name: string) => () => void replies.push(name);
      // Each pair issued in one tick: the GET waits in the auto-pipeline until the next turn of the event loop.
      await Promise.all([pipelining.get('queued').then(track('get')), script.run(pipelining, ['batched'], ['1']).then(track('run'))]);
      await Promise.all([pipelining.get('queued').then(track('get')), script.runAtOnce(pipelining, ['batched'], ['1']).then(track('runAtOnce'))]);
      expect(replies).toEqual(['get', 'run', 'runAtOnce', 'get']);
    } finally {
      await pipelining.quit();
    }
  });

  it('passes other script errors through', async () => {
    const failing = new LuaScript("return redis.error_reply('boom')");
    await expect(failing.run(redis, [], [])).rejects.toThrow('boom');
    await expect(failing.runAtOnce(redis, [], [])).rejects.toThrow('boom');
  });
});
