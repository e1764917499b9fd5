import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { duplicateRedisClient, MetricsRegistry, REDIS, ShutdownHooks } from '@sluice/platform';
import type Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { SchemaReady } from '../database/schema-ready';
import { LedgerBatchWriter } from './ledger-batch-writer';
import { meteringMetrics } from './metering-metrics';
import { UsageConsumer } from './usage-consumer';

/**
 * Runs this process's usage consumer (`METERING_ENABLED`) from start-up (once
 * the schema is migrated) until the shutdown drain, which stops it after its
 * last batch is committed and acknowledged, before Redis and the database
 * pool close.
 */
@Injectable()
export class MeteringService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metering');
  private consumer: UsageConsumer | undefined;
  private stopped = false;
  private lastFailure = '';

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    private readonly writer: LedgerBatchWriter,
    private readonly hooks: ShutdownHooks,
    private readonly registry: MetricsRegistry,
    private readonly schema: SchemaReady,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.metering.enabled) return;
    this.hooks.register('usage consumer stop', () => this.stop());
    const observer = meteringMetrics(this.registry, this.redis, this.config.metering.streamShards, (error) => this.reportFailure(error));
    await this.schema.whenMigrated('consuming usage events', async () => this.start(observer));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  private start(observer: ReturnType<typeof meteringMetrics>): void {
    if (this.stopped) return;
    const consumerName = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.consumer = new UsageConsumer({
      // Its own connection: the blocking read must not hold up the app's other commands.
      redis: duplicateRedisClient(this.redis, { connectionName: 'control-plane-metering' }),
      writer: this.writer,
      consumerName,
      batchSize: this.config.metering.batchSize,
      claimIdleMs: this.config.metering.claimIdleMs,
      streamShards: this.config.metering.streamShards,
      observer,
    });
    this.consumer.start();
    this.logger.log(`Consuming usage events as ${consumerName}`);
  }

  private async stop(): Promise<void> {
    this.stopped = true;
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.stop();
  }

  /** Logged once per distinct failure, not on every retry of an outage. */
  private reportFailure(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (message === this.lastFailure) return;
    this.lastFailure = message;
    this.logger.warn(`Usage consumer paused, retrying: ${message}`);
  }
}
