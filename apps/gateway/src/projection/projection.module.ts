import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { createSubscriberClient, REDIS } from '@sluice/platform';
import { Admission, ProjectionReader } from '@sluice/gateway/redis-state';
import type Redis from 'ioredis';
import { ProjectionHealthIndicator } from './projection.health';

/**
 * The gateway's projection reader. Its subscriber is made here, by the platform,
 * because on a Redis Cluster it must be a connection whose every resubscription
 * the reader sees (`createSubscriberClient`), not the cluster client's own.
 */
export function createProjectionReader(redis: Redis): ProjectionReader {
  return new ProjectionReader({ redis, subscriber: createSubscriberClient(redis, { autoResubscribe: false, connectionName: 'gateway:invalidations' }) });
}

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
      useFactory: createProjectionReader,
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
