import { Logger } from '@nestjs/common';
import Redis, { type RedisOptions } from 'ioredis';

export interface RedisClientOptions {
  url: string;
  /** Prepended to every key (not to pub/sub channels): isolates deployments and test runs. */
  keyPrefix: string;
  /** Shown in `CLIENT LIST` and in logs. */
  connectionName: string;
  /** Extra ioredis options (a subscriber connection, say). */
  overrides?: RedisOptions;
}

/** Reconnect quickly at first, then every two seconds, forever. */
const retryStrategy = (attempt: number) => Math.min(50 * 2 ** attempt, 2_000);

/**
 * The one way both apps connect to Redis. It reconnects by itself and logs each
 * state change once per outage (not every retry), with the address but never
 * the URL's password.
 */
export function createRedisClient({ url, keyPrefix, connectionName, overrides }: RedisClientOptions): Redis {
  const logger = new Logger(`Redis:${connectionName}`);
  const client = new Redis(url, {
    keyPrefix,
    connectionName,
    retryStrategy,
    // While disconnected, a command fails after one reconnection attempt instead of
    // waiting for Redis to return: callers can answer 503 promptly.
    maxRetriesPerRequest: 1,
    ...overrides,
  });
  const address = describeAddress(url);
  let down = false;
  client.on('ready', () => {
    if (down) logger.log(`Reconnected to ${address}`);
    else logger.log(`Connected to ${address}`);
    down = false;
  });
  client.on('error', (error: Error) => {
    if (!down) logger.warn(`Redis at ${address} unavailable (${error.message}); reconnecting in the background`);
    down = true;
  });
  client.on('end', () => logger.log(`Connection to ${address} closed`));
  return client;
}

export function describeAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || 6379}${parsed.pathname && parsed.pathname !== '/' ? parsed.pathname : ''}`;
  } catch {
    return 'redis';
  }
}

/**
 * Quits gracefully when connected; otherwise disconnects at once, which also
 * cancels the pending reconnection (a QUIT would wait for a server that is down).
 */
export async function closeRedisClient(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
