import { DisposableRedisServer, TEST_REDIS_URL, waitUntil } from '@sluice/testing';
import Redis from 'ioredis';
import { createSubscriberClient, nextNodeConnector } from './redis-subscriber';

describe('nextNodeConnector', () => {
  let first: DisposableRedisServer;
  let second: DisposableRedisServer;

  beforeAll(async () => {
    [first, second] = await Promise.all([DisposableRedisServer.start(), DisposableRedisServer.start()]);
  });

  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
  });

  it('reconnects to the next node when its node dies, emitting ready again, and hears what is published there', async () => {
    const nodes = [first, second].map(({ port }) => ({ host: '127.0.0.1', port }));
    const subscriber = new Redis({ Connector: nextNodeConnector(() => nodes), retryStrategy: () => 20, autoResubscribe: false, disconnectTimeout: 50 });
    subscriber.on('error', () => undefined);
    const ports: number[] = [];
    subscriber.on('ready', () => void subscriber.config('GET', 'port').then((reply) => ports.push(Number((reply as string[])[1]))));
    const heard: string[] = [];
    subscriber.on('message', (_channel: string, message: string) => heard.push(message));
    try {
      await waitUntil(() => ports.length === 1, 5_000, 'the first connection');
      const [dying, surviving] = ports[0] === first.port ? [first, second] : [second, first];

      await dying.stop();
      await waitUntil(() => ports.length === 2, 5_000, 'the connection to the other node');
      expect(ports[1]).toBe(surviving.port);

      await subscriber.subscribe('invalidate');
      const publisher = new Redis(surviving.url);
      await publisher.publish('invalidate', 'after the move');
      await publisher.quit();
      await waitUntil(() => heard.length === 1, 2_000, 'the message on the new node');
    } finally {
      subscriber.disconnect();
    }
  });
});

describe('createSubscriberClient on a single Redis', () => {
  it('is a duplicate of the client with the overrides', async () => {
    const client = new Redis(TEST_REDIS_URL, { keyPrefix: 'p:' });
    const subscriber = createSubscriberClient(client, { connectionName: 'subscriber-test' });
    try {
      expect(subscriber).not.toBe(client);
      expect(await subscriber.client('GETNAME')).toBe('subscriber-test');
    } finally {
      await subscriber.quit();
      await client.quit();
    }
  });
});
