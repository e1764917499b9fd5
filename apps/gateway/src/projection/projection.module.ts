import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { duplicateRedisClient, REDIS } from '@sluice/platform';
import { Admission, ProjectionReader } from '@sluice/gateway/redis-state';
import type Redis from 'ioredis';
import { ProjectionHealthIndicator } from './projection.health';

/**
 * What the gateway reads and counts in Redis: the projection (keys, tenants,
 * catalog, kept current by invalidations) and the admission scripts.
 */
@Module({
  imports: [TerminusModule],
  providers: [
    {
      provide: ProjectionReader,
      inject: [REDIS],
      // The subscriber is made here because a Redis Cluster client takes its overrides elsewhere than a single-node one.
      useFactory: (redis: Redis) =>
        new ProjectionReader({ redis, subscriber: duplicateRedisClient(redis, { autoResubscribe: false, connectionName: 'gateway:invalidations' }) }),
    },
    { provide: Admission, inject: [REDIS], useFactory: (redis: Redis) => new Admission(redis) },
    ProjectionHealthIndicator,
  ],
  exports: [ProjectionReader, Admission, ProjectionHealthIndicator],
})
export class ProjectionModule implements OnApplicationShutdown {
  constructor(@Inject(ProjectionReader) private readonly reader: ProjectionReader) {}

  async onApplicationShutdown(): Promise<void> {
    await this.reader.close();
  }
}
