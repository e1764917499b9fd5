import { Cluster } from 'ioredis';
import { redisConnectionSettings } from '@sluice/platform';
import { jobConnection, jobConnectionFor, jobKeyPrefix } from './job-runner';

describe('the job runner settings', () => {
  it("prefix BullMQ's keys with the deployment's prefix and one hash tag", () => {
    expect(jobKeyPrefix('sluice:')).toBe('sluice:{jobs}');
    expect(jobKeyPrefix('')).toBe('{jobs}');
  });

  it('connect where REDIS_URL says, database and credentials included', () => {
    expect(jobConnection('redis://127.0.0.1:6379/0')).toMatchObject({ host: '127.0.0.1', port: 6379, db: 0, username: undefined, password: undefined, tls: undefined });
    expect(jobConnection('rediss://user:p%40ss@redis.internal:6380/3')).toMatchObject({ host: 'redis.internal', port: 6380, db: 3, username: 'user', password: 'p@ss', tls: {} });
    expect(jobConnection('redis://localhost')).toMatchObject({ port: 6379, db: 0 });
  });

  it('use a cluster client, without a key prefix and with blocking-safe retries, when REDIS_CLUSTER_NODES is set; REDIS_URL is ignored', () => {
    const settings = redisConnectionSettings({ REDIS_URL: 'redis://unused.invalid:1/0', REDIS_KEY_PREFIX: 'sluice:', REDIS_CLUSTER_NODES: '127.0.0.1:1,127.0.0.1:2', REDIS_CLUSTER_PASSWORD: 's3cret' });
    const connection = jobConnectionFor(settings);
    try {
      expect(connection).toBeInstanceOf(Cluster);
      const cluster = connection as Cluster;
      expect(cluster.options.keyPrefix).toBeUndefined();
      expect(cluster.options.redisOptions).toMatchObject({ maxRetriesPerRequest: null, connectionName: 'control-plane-jobs', password: 's3cret' });
    } finally {
      (connection as Cluster).disconnect();
    }
  });

  it('use REDIS_URL when no cluster nodes are set', () => {
    expect(jobConnectionFor(redisConnectionSettings({ REDIS_URL: 'redis://10.0.0.5:6380/2', REDIS_KEY_PREFIX: '' }))).toMatchObject({ host: '10.0.0.5', port: 6380, db: 2 });
  });
});
