import { jobConnection, jobKeyPrefix } from './job-runner';

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
});
