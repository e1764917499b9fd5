import { createHash } from 'node:crypto';
import { Command, type Cluster, type Redis } from 'ioredis';

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

  /**
   * `run`, written to the connection at once even when it auto-pipelines:
   * ioredis sends one auto-pipelined batch at a time per connection, so a
   * command queued there waits for the replies of the batch in flight (the
   * previous request's settlement, say), a whole round trip more.
   */
  async runAtOnce(redis: RedisCommander, keys: readonly string[], args: readonly string[]): Promise<unknown> {
    try {
      return await sendNow(redis, 'evalsha', [this.sha, keys.length, ...keys, ...args]);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return sendNow(redis, 'eval', [this.source, keys.length, ...keys, ...args]);
    }
  }
}

/** What the client's command methods do when not auto-pipelining: the same key prefix and reply decoding. */
function sendNow(redis: RedisCommander, name: string, args: Array<string | number>): Promise<unknown> {
  const command = new Command(name, args, { keyPrefix: redis.options.keyPrefix, replyEncoding: 'utf8' });
  void redis.sendCommand(command);
  return command.promise;
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
