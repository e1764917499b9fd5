import { connect } from 'node:net';
import Redis from 'ioredis';
import { LocalRedisCluster } from './redis-cluster';
import { waitUntil } from './redis';

describe('LocalRedisCluster', () => {
  let cluster: LocalRedisCluster;

  beforeAll(async () => {
    cluster = await LocalRedisCluster.start();
  }, 30_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  it('serves every slot from three masters', async () => {
    expect(await cluster.isHealthy()).toBe(true);
    const client = cluster.client();
    try {
      await client.set('a', '1');
      await client.set('b', '2');
      await client.set('c', '3');
      expect(await Promise.all(['a', 'b', 'c'].map((key) => client.get(key)))).toEqual(['1', '2', '3']);
      expect(client.nodes('master')).toHaveLength(3);
    } finally {
      await client.quit();
    }
  });

  it('delivers a classic PUBLISH on one node to a subscriber connected to another', async () => {
    const [publisherPort, subscriberPort] = cluster.ports;
    const subscriber = new Redis({ host: '127.0.0.1', port: subscriberPort });
    const publisher = new Redis({ host: '127.0.0.1', port: publisherPort });
    const received: string[] = [];
    try {
      subscriber.on('message', (_channel: string, message: string) => received.push(message));
      await subscriber.subscribe('invalidate:test');
      await publisher.publish('invalidate:test', 'hello');
      await waitUntil(() => received.length === 1, 2_000, 'the message to cross nodes');
      expect(received).toEqual(['hello']);
    } finally {
      subscriber.disconnect();
      publisher.disconnect();
    }
  });

  it('removes its processes and files when stopped', async () => {
    const other = await LocalRedisCluster.start();
    const [port] = other.ports;
    await other.stop();
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  }, 30_000);

  it('restarts a persistent node with its data and its place in the cluster', async () => {
    const persistent = await LocalRedisCluster.start({ persistent: true });
    const client = persistent.client();
    try {
      await client.set('kept', 'yes');
      const holder = (await persistent.keysPerNode('kept')).findIndex((keys) => keys.length === 1);
      await persistent.restartNode(holder);
      expect(await persistent.isHealthy()).toBe(true);
      expect((await persistent.keysPerNode('kept'))[holder]).toEqual(['kept']);
    } finally {
      client.disconnect();
      await persistent.stop();
    }
  }, 40_000);
});
