import { metricsUrlOf } from '@sluice/platform';
import { createTestDatabase, startAppUnderTest, TEST_REDIS_URL, uniqueKeyPrefix, type StartedApp } from '@sluice/testing';
import { createControlPlaneApp } from '../src/app';
import { loadControlPlaneConfig } from '../src/config/control-plane.config';

export interface ControlPlaneUnderTest extends StartedApp {
  databaseUrl: string;
  /** GET /metrics, on the metrics listener's own port. */
  metricsUrl: string;
}

/**
 * The real control plane on a free port, with a database of its own (a copy
 * of the run's migrated template) and a Redis key prefix of its own. `env`
 * overrides any variable, as the process environment would.
 */
export async function startControlPlane(env: NodeJS.ProcessEnv = {}, { waitForReady = true } = {}): Promise<ControlPlaneUnderTest> {
  const database = env['DATABASE_URL'] ? undefined : await createTestDatabase();
  const config = loadControlPlaneConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: database?.url,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: uniqueKeyPrefix(),
    MIGRATE_ON_START: 'false',
    CONTROL_PLANE_METRICS_PORT: '0',
    // Suites make many calls from one address; the throttling suite sets its own limits.
    THROTTLE_ANONYMOUS_PER_HOUR: '100000',
    THROTTLE_AUTHENTICATED_PER_HOUR: '100000',
    THROTTLE_LOGIN_PER_MINUTE: '1000',
    THROTTLE_SIGNUP_PER_HOUR: '1000',
    ...env,
  });
  const app = await startAppUnderTest((logs) => createControlPlaneApp(config, { logDestination: logs }), {
    redisUrl: config.redis.url,
    redisKeyPrefix: config.redis.keyPrefix,
    waitForReady,
    afterClose: database?.drop,
  });
  return { ...app, databaseUrl: config.databaseUrl, metricsUrl: metricsUrlOf(app.app) ?? '' };
}
