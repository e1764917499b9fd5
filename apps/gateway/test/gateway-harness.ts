import { startAppUnderTest, TEST_REDIS_URL, uniqueKeyPrefix, type StartedApp } from '@sluice/testing';
import { createGatewayApp } from '../src/app';
import { loadGatewayConfig } from '../src/config/gateway.config';

export type GatewayUnderTest = StartedApp;

/** The real gateway on a free port with a Redis key prefix of its own; `env` overrides variables. */
export async function startGateway(env: NodeJS.ProcessEnv = {}, { waitForReady = true } = {}): Promise<GatewayUnderTest> {
  const config = loadGatewayConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: uniqueKeyPrefix(),
    ...env,
  });
  return startAppUnderTest((logs) => createGatewayApp(config, { logDestination: logs }), {
    redisUrl: config.redis.url,
    redisKeyPrefix: config.redis.keyPrefix,
    waitForReady,
  });
}
