import { metricsUrlOf } from '@sluice/platform';
import { startAppUnderTest, TEST_REDIS_URL, uniqueKeyPrefix, type StartedApp } from '@sluice/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGatewayApp } from '../src/app';
import { loadGatewayConfig } from '../src/config/gateway.config';
import { MOCK_UPSTREAM_ENV } from './gateway-fixtures';

export interface GatewayUnderTest extends StartedApp {
  /** GET /metrics, on the metrics listener's own port. */
  metricsUrl: string;
}

/**
 * The real gateway on a free port with a Redis key prefix and a usage spill
 * directory of its own (the recorder adopts any spill file in its directory,
 * so gateways in one process must not share one); `env` overrides variables.
 * It may reach the mock provider on 127.0.0.1 and read the test catalog's
 * credential variable.
 */
export async function startGateway(env: NodeJS.ProcessEnv = {}, { waitForReady = true } = {}): Promise<GatewayUnderTest> {
  const spillDirectory = mkdtempSync(join(tmpdir(), 'sluice-gateway-test-'));
  const config = loadGatewayConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: uniqueKeyPrefix(),
    USAGE_SPILL_DIR: spillDirectory,
    ...MOCK_UPSTREAM_ENV,
    GATEWAY_METRICS_PORT: '0',
    ...env,
  });
  const app = await startAppUnderTest((logs) => createGatewayApp(config, { logDestination: logs }), {
    redisUrl: config.redis.url,
    redisKeyPrefix: config.redis.keyPrefix,
    waitForReady,
    afterClose: async () => rmSync(spillDirectory, { recursive: true, force: true }),
  });
  return { ...app, metricsUrl: metricsUrlOf(app.app) ?? '' };
}
