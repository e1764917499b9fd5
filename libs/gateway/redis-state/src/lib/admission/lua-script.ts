import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

export type RedisCommander = Redis | Cluster;

/**
 * A Lua script run by EVALSHA: one round trip carrying only its hash. After a
 * Redis restart or SCRIPT FLUSH the server answers NOSCRIPT; the script is then
 * sent once with EVAL, which also caches it again.
 */
export class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: RedisCommander, keys: readonly string[], args: readonly string[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
