import {
  ApiKeysRepository,
  dataSourceOptions,
  ModelsRepository,
  PlansRepository,
  ProjectionOutboxRepository,
  ProjectionSourcesRepository,
  TeamsRepository,
  TenantsRepository,
  UnitOfWork,
} from '@sluice/control-plane/data-access';
import { closeRedisClient, createRedisClient } from '@sluice/platform';
import { ProjectionWriter } from '@sluice/projection';
import { DataSource } from 'typeorm';
import { loadControlPlaneConfig } from '../config/control-plane.config';
import { ProjectionSource } from './projection-source';
import { Projector } from './projector';

/**
 * `npm run projection:rebuild`: brings the Redis projection in line with the
 * database (what the control plane also does on start and periodically),
 * with the control plane's configuration. Prints what it changed as JSON.
 */
export async function runProjectionRebuild(env: NodeJS.ProcessEnv, stdout: NodeJS.WritableStream): Promise<number> {
  const config = loadControlPlaneConfig(env);
  const dataSource = await new DataSource(dataSourceOptions(config.databaseUrl, 2)).initialize();
  // Fail rather than wait for a Redis that is not there.
  const redis = createRedisClient({ ...config.redis, connectionName: 'projection-rebuild', overrides: { retryStrategy: () => null } });
  try {
    const source = new ProjectionSource(
      new ApiKeysRepository(dataSource),
      new TenantsRepository(dataSource),
      new TeamsRepository(dataSource),
      new ModelsRepository(dataSource),
      new ProjectionSourcesRepository(dataSource),
      new PlansRepository(dataSource),
    );
    const projector = new Projector(new UnitOfWork(dataSource), new ProjectionOutboxRepository(), source, new ProjectionWriter(redis, config.redis.keyPrefix));
    const result = await projector.reconcile();
    stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  } finally {
    await closeRedisClient(redis);
    await dataSource.destroy();
  }
}
