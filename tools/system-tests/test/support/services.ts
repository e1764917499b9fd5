import {
  ADMIN_EMAIL,
  CONTROL_PLANE_ENTRY,
  createTestDatabase,
  deleteKeysWithPrefix,
  GATEWAY_ENTRY,
  MOCK_PROVIDER_GATEWAY_ENV,
  runCommand,
  ServiceProcess,
  TEST_PASSWORD,
  TEST_REDIS_URL,
  uniqueKeyPrefix,
} from '@sluice/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Hooks that start or stop app processes (ts-node, on a shared machine): generous, as each waits for readiness. */
export const SERVICES_TIMEOUT_MS = 180_000;

/**
 * One app as a real process, for system tests that pair replicas by hand
 * (Cluster starts them by the number). System tests reach the apps only over
 * HTTP and through their commands, never by importing them.
 */
export interface RunningService {
  url: string;
  redisUrl: string;
  redisKeyPrefix: string;
  close: () => Promise<void>;
}

export interface RunningControlPlane extends RunningService {
  databaseUrl: string;
}

/**
 * A control plane on a database of its own (a copy of the run's migrated
 * template), bootstrapping the platform admin (ADMIN_EMAIL, TEST_PASSWORD);
 * `env` overrides any variable. Closing it removes its database and its
 * Redis keys.
 */
export async function startControlPlaneService(env: Record<string, string> = {}): Promise<RunningControlPlane> {
  const database = await createTestDatabase();
  const redisUrl = env['REDIS_URL'] ?? TEST_REDIS_URL;
  const redisKeyPrefix = env['REDIS_KEY_PREFIX'] ?? uniqueKeyPrefix();
  try {
    const service = await ServiceProcess.start(CONTROL_PLANE_ENTRY, {
      DATABASE_URL: database.url,
      MIGRATE_ON_START: 'false',
      SLUICE_ADMIN_EMAIL: ADMIN_EMAIL,
      SLUICE_ADMIN_PASSWORD: TEST_PASSWORD,
      THROTTLE_ANONYMOUS_PER_HOUR: '100000',
      THROTTLE_AUTHENTICATED_PER_HOUR: '100000',
      THROTTLE_LOGIN_PER_MINUTE: '1000',
      ...env,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: redisKeyPrefix,
    });
    return {
      url: service.url,
      redisUrl,
      redisKeyPrefix,
      databaseUrl: database.url,
      close: async () => {
        await service.stop();
        await deleteKeysWithPrefix(redisKeyPrefix, redisUrl).catch(() => undefined);
        await database.drop();
      },
    };
  } catch (error) {
    await database.drop();
    throw error;
  }
}

/**
 * A gateway with a usage spill directory of its own, allowed to reach the
 * mock provider on this host. It reads the projection under
 * `env.REDIS_KEY_PREFIX`; with a prefix of its own (none given) it cannot be
 * ready, so pass `waitForReady: false`, and closing it removes its keys.
 */
export async function startGatewayService(env: Record<string, string> = {}, { waitForReady = true } = {}): Promise<RunningService> {
  const spillDirectory = mkdtempSync(join(tmpdir(), 'sluice-gateway-system-'));
  const redisUrl = env['REDIS_URL'] ?? TEST_REDIS_URL;
  const ownPrefix = env['REDIS_KEY_PREFIX'] === undefined;
  const redisKeyPrefix = env['REDIS_KEY_PREFIX'] ?? uniqueKeyPrefix();
  const cleanUp = () => rmSync(spillDirectory, { recursive: true, force: true });
  try {
    const service = await ServiceProcess.start(
      GATEWAY_ENTRY,
      { ...MOCK_PROVIDER_GATEWAY_ENV, USAGE_SPILL_DIR: spillDirectory, ...env, REDIS_URL: redisUrl, REDIS_KEY_PREFIX: redisKeyPrefix },
      { waitForReady },
    );
    return {
      url: service.url,
      redisUrl,
      redisKeyPrefix,
      close: async () => {
        await service.stop();
        if (ownPrefix) await deleteKeysWithPrefix(redisKeyPrefix, redisUrl).catch(() => undefined);
        cleanUp();
      },
    };
  } catch (error) {
    cleanUp();
    throw error;
  }
}

/**
 * Services started at once, their starts overlapping. If one fails, the
 * others that started are closed, and its error thrown.
 */
export async function startTogether<T extends { close: () => Promise<void> }>(starts: Array<Promise<T>>): Promise<T[]> {
  const outcomes = await Promise.allSettled(starts);
  const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  const started = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  if (!failed) return started;
  await Promise.all(started.map((service) => service.close().catch(() => undefined)));
  throw failed.reason;
}

/** `npm run projection:rebuild` against `env`: its exit code and output. */
export function runProjectionRebuild(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return runCommand('apps/control-plane/src/projection-rebuild.ts', CONTROL_PLANE_ENTRY.tsconfig, env);
}
