import { Inject, Injectable, Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import {
  ApiKeysRepository,
  DataAccessModule,
  ModelsRepository,
  PlansRepository,
  ProjectionOutboxRepository,
  ProjectionSourcesRepository,
  TeamsRepository,
  TenantsRepository,
  UnitOfWork,
} from '@sluice/control-plane/data-access';
import { REDIS } from '@sluice/platform';
import { ProjectionWriter } from '@sluice/projection';
import type Redis from 'ioredis';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { SchemaReady } from '../database/schema-ready';
import { SchemaReadyModule } from '../database/schema-ready.module';
import { ProjectionSource } from './projection-source';
import { CountingProjectionWriter } from './projection-stats';
import { Projector } from './projector';

/**
 * Runs the full reconcile (the rebuild) once at start, then every
 * `PROJECTION_RECONCILE_INTERVAL_MS`, and at once whenever Redis comes back:
 * a restarted Redis is empty, and writes may have failed while it was away.
 */
@Injectable()
export class ProjectionScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Projection');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private readonly onReady = () => void this.reconcile();

  constructor(
    private readonly projector: Projector,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    private readonly schema: SchemaReady,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.schema.whenMigrated('rebuilding the Redis projection', () => this.reconcile());
    this.timer = setInterval(() => void this.reconcile(), this.config.projectionReconcileIntervalMs);
    this.timer.unref();
    this.redis.on('ready', this.onReady);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.redis.off('ready', this.onReady);
    await this.running;
  }

  /** One reconcile at a time per process; a tick that finds one running skips. */
  reconcile(): Promise<void> {
    this.running ??= this.projector
      .reconcile()
      .then(({ drained, written, deleted }) => {
        if (written + deleted > 0) this.logger.log(`Reconciled the projection: ${written} records written, ${deleted} removed (${drained} queued changes)`);
      })
      .catch((error: unknown) => this.logger.warn(`Projection reconcile failed, will retry: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => (this.running = null));
    return this.running;
  }
}

/** The Redis projection the gateway reads: features import it to queue their changes and flush them after commit. */
@Module({
  imports: [DataAccessModule, SchemaReadyModule],
  providers: [
    {
      provide: ProjectionSource,
      inject: [ApiKeysRepository, TenantsRepository, TeamsRepository, ModelsRepository, ProjectionSourcesRepository, PlansRepository],
      useFactory: (...repositories: ConstructorParameters<typeof ProjectionSource>) => new ProjectionSource(...repositories),
    },
    {
      provide: ProjectionWriter,
      inject: [REDIS, CONTROL_PLANE_CONFIG],
      useFactory: (redis: Redis, config: ControlPlaneConfig) => new CountingProjectionWriter(redis, config.redis.keyPrefix),
    },
    {
      provide: Projector,
      inject: [UnitOfWork, ProjectionOutboxRepository, ProjectionSource, ProjectionWriter],
      useFactory: (...parts: ConstructorParameters<typeof Projector>) => new Projector(...parts),
    },
    ProjectionScheduler,
  ],
  exports: [Projector, ProjectionScheduler],
})
export class ProjectionModule {}
