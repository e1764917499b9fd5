import { createTestDatabase, deleteKeysWithPrefix, listen, LogCapture, TEST_REDIS_URL, uniqueKeyPrefix, type RunningApp, waitUntil } from '@sluice/testing';
import { createControlPlaneApp } from '../src/app';
import { loadControlPlaneConfig } from '../src/config/control-plane.config';

export interface ControlPlaneUnderTest extends RunningApp {
  logs: LogCapture;
  databaseUrl: string;
  redisKeyPrefix: string;
}

/**
 * The real control plane on a free port, with a database of its own (a copy
 * of the run's migrated template) and a Redis key prefix of its own. `env`
 * overrides any variable, as the process environment would.
 */
export async function startControlPlane(env: NodeJS.ProcessEnv = {}, { waitForReady = true } = {}): Promise<ControlPlaneUnderTest> {
  const database = env['DATABASE_URL'] ? undefined : await createTestDatabase();
  const redisKeyPrefix = env['REDIS_KEY_PREFIX'] ?? uniqueKeyPrefix();
  const config = loadControlPlaneConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: database?.url,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: redisKeyPrefix,
    MIGRATE_ON_START: 'false',
    ...env,
  });
  const logs = new LogCapture();
  const running = await listen(await createControlPlaneApp(config, { logDestination: logs }));
  if (waitForReady) await waitUntil(async () => (await fetch(`${running.url}/health/ready`)).status === 200, 10_000, 'readiness');
  return {
    ...running,
    logs,
    databaseUrl: config.databaseUrl,
    redisKeyPrefix,
    close: async () => {
      await running.close();
      await deleteKeysWithPrefix(redisKeyPrefix, config.redis.url).catch(() => undefined);
      await database?.drop();
    },
  };
}
