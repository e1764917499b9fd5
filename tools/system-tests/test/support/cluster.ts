import { startMockProvider, type MockProvider } from '@sluice/mock-provider';
import {
  ADMIN_EMAIL,
  apiClient,
  CONTROL_PLANE_ENTRY,
  createTestDatabase,
  deleteKeysWithPrefix,
  GATEWAY_ENTRY,
  login,
  MOCK_PROVIDER_GATEWAY_ENV,
  ServiceProcess,
  TEST_PASSWORD,
  TEST_REDIS_URL,
  uniqueKeyPrefix,
  type Call,
} from '@sluice/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A closed port: with REDIS_CLUSTER_NODES set, an app that still used REDIS_URL would fail its readiness. */
const UNUSED_REDIS_URL = 'redis://127.0.0.1:1/0';

/** The platform admin every cluster bootstraps. */
export { ADMIN_EMAIL, TEST_PASSWORD };

export interface ClusterOptions {
  controlPlanes: number;
  gateways: number;
  /** Variables for every process (both apps). */
  env?: Record<string, string>;
  controlPlaneEnv?: Record<string, string>;
  gatewayEnv?: Record<string, string>;
  /** Default: the shared test Redis (under a key prefix of the cluster's own). */
  redisUrl?: string;
  /**
   * A Redis Cluster instead (REDIS_CLUSTER_NODES, `host:port,…`), which the caller
   * started and removes. REDIS_URL then points at a closed port: nothing may use it.
   */
  redisClusterNodes?: string;
  /** As under `npm start`: catalog models without provider credentials are answered by the mock provider. */
  devMockUpstream?: boolean;
}

/**
 * Sluice as deployed, in real processes: control planes and gateways sharing
 * one PostgreSQL database (a copy of the run's migrated template) and one
 * Redis key prefix, routed to a mock provider in this process. Every gateway
 * has a usage spill directory of its own, kept across its restarts.
 */
export class Cluster {
  private constructor(
    readonly mock: MockProvider,
    readonly databaseUrl: string,
    readonly redisUrl: string,
    readonly redisClusterNodes: string | null,
    readonly redisKeyPrefix: string,
    readonly controlPlanes: ServiceProcess[],
    readonly gateways: ServiceProcess[],
    /** The control-plane API of the first replica, and the platform admin's access token. */
    readonly call: Call,
    readonly adminToken: string,
    private readonly cleanUp: () => Promise<void>,
  ) {}

  static async start({
    controlPlanes,
    gateways,
    env = {},
    controlPlaneEnv = {},
    gatewayEnv = {},
    redisUrl = TEST_REDIS_URL,
    redisClusterNodes,
    devMockUpstream = false,
  }: ClusterOptions): Promise<Cluster> {
    const mock = await startMockProvider();
    const database = await createTestDatabase();
    const redisKeyPrefix = uniqueKeyPrefix();
    const spillRoot = mkdtempSync(join(tmpdir(), 'sluice-cluster-'));
    const redis: Record<string, string> = redisClusterNodes ? { REDIS_URL: UNUSED_REDIS_URL, REDIS_CLUSTER_NODES: redisClusterNodes } : { REDIS_URL: redisUrl };
    const shared = { ...redis, REDIS_KEY_PREFIX: redisKeyPrefix, ...env };
    const started: ServiceProcess[] = [];
    const cleanUp = async (): Promise<void> => {
      await Promise.all(started.map((service) => service.stop()));
      await mock.close();
      if (!redisClusterNodes) await deleteKeysWithPrefix(redisKeyPrefix, redisUrl).catch(() => undefined);
      await database.drop();
      rmSync(spillRoot, { recursive: true, force: true });
    };
    try {
      const planeEnv = {
        ...shared,
        DATABASE_URL: database.url,
        MIGRATE_ON_START: 'false',
        MOCK_PROVIDER_URL: mock.url,
        SLUICE_ADMIN_EMAIL: ADMIN_EMAIL,
        SLUICE_ADMIN_PASSWORD: TEST_PASSWORD,
        THROTTLE_ANONYMOUS_PER_HOUR: '100000',
        THROTTLE_AUTHENTICATED_PER_HOUR: '100000',
        THROTTLE_LOGIN_PER_MINUTE: '1000',
        ...controlPlaneEnv,
      };
      const startPlane = async (index: number): Promise<ServiceProcess> => {
        const service = await ServiceProcess.start({ ...CONTROL_PLANE_ENTRY, name: `control-plane-${index + 1}` }, planeEnv);
        started.push(service);
        return service;
      };
      const startGateway = async (index: number): Promise<ServiceProcess> => {
        const service = await ServiceProcess.start(
          { ...GATEWAY_ENTRY, name: `gateway-${index + 1}` },
          {
            ...shared,
            ...MOCK_PROVIDER_GATEWAY_ENV,
            ...(devMockUpstream ? { DEV_MOCK_UPSTREAM_URL: mock.url } : {}),
            USAGE_SPILL_DIR: mkdtempSync(join(spillRoot, `gateway-${index + 1}-`)),
            ...gatewayEnv,
          },
        );
        started.push(service);
        return service;
      };
      // The first control plane alone (two replicas bootstrapping the admin at once would race for no reason a test
      // cares about), then every other process together, their starts overlapping.
      const first = await startPlane(0);
      // Settled, not raced: on a failure every process that did start is in `started` for the clean-up.
      const others = await Promise.allSettled([
        ...Array.from({ length: controlPlanes - 1 }, (_, index) => startPlane(index + 1)),
        ...Array.from({ length: gateways }, (_, index) => startGateway(index)),
      ]);
      const failed = others.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
      if (failed) throw failed.reason;
      const processes = others.map((outcome) => (outcome as PromiseFulfilledResult<ServiceProcess>).value);
      const planes = [first, ...processes.slice(0, controlPlanes - 1)];
      const gatewayProcesses = processes.slice(controlPlanes - 1);
      const call = apiClient(planes[0].url);
      const adminToken = (await login(call, ADMIN_EMAIL)).access;
      return new Cluster(mock, database.url, redis.REDIS_URL, redisClusterNodes ?? null, redisKeyPrefix, planes, gatewayProcesses, call, adminToken, cleanUp);
    } catch (error) {
      await cleanUp();
      throw error;
    }
  }

  /** Stops every process (SIGTERM, so they drain), then removes the database, the Redis keys and the spill files. */
  close(): Promise<void> {
    return this.cleanUp();
  }
}
