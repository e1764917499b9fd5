import { deleteKeysWithPrefix, listen, LogCapture, TEST_REDIS_URL, uniqueKeyPrefix, type RunningApp, waitUntil } from '@sluice/testing';
import { createGatewayApp } from '../src/app';
import { loadGatewayConfig } from '../src/config/gateway.config';

export interface GatewayUnderTest extends RunningApp {
  logs: LogCapture;
  redisKeyPrefix: string;
}

/** The real gateway on a free port with a Redis key prefix of its own; `env` overrides variables. */
export async function startGateway(env: NodeJS.ProcessEnv = {}, { waitForReady = true } = {}): Promise<GatewayUnderTest> {
  const redisKeyPrefix = env['REDIS_KEY_PREFIX'] ?? uniqueKeyPrefix();
  const config = loadGatewayConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: redisKeyPrefix,
    ...env,
  });
  const logs = new LogCapture();
  const running = await listen(await createGatewayApp(config, { logDestination: logs }));
  if (waitForReady) await waitUntil(async () => (await fetch(`${running.url}/health/ready`)).status === 200, 10_000, 'readiness');
  return {
    ...running,
    logs,
    redisKeyPrefix,
    close: async () => {
      await running.close();
      await deleteKeysWithPrefix(redisKeyPrefix, config.redis.url).catch(() => undefined);
    },
  };
}
