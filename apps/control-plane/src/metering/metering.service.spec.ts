import { Test } from '@nestjs/testing';
import { MetricsRegistry, REDIS, ShutdownHooks } from '@sluice/platform';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { SchemaReady } from '../database/schema-ready';
import { LedgerBatchWriter } from './ledger-batch-writer';
import { MeteringService } from './metering.service';

/** Start-up work waiting for migrations, run when a spec says the schema is ready. */
class PendingSchema implements Pick<SchemaReady, 'whenMigrated'> {
  readonly waiting: string[] = [];
  private readonly work: Array<() => Promise<void>> = [];

  async whenMigrated(what: string, work: () => Promise<void>): Promise<void> {
    this.waiting.push(what);
    this.work.push(work);
  }

  async migrate(): Promise<void> {
    for (const work of this.work.splice(0)) await work();
  }
}

/**
 * The start-up and shutdown rules of the usage consumer, on a Redis key
 * prefix of this spec's own; a consumer that starts shows as the dedicated
 * connection it opens. What it consumes is the end-to-end specs' part
 * (billing-metering, metering-replicas, shutdown).
 */
describe('MeteringService', () => {
  let redis: Redis;
  let schema: PendingSchema;
  let hooks: ShutdownHooks;
  let registry: MetricsRegistry;
  let duplicate: jest.SpyInstance;
  let prefix: string;

  async function metering(enabled: boolean): Promise<MeteringService> {
    const moduleRef = await Test.createTestingModule({
      providers: [
        MeteringService,
        { provide: REDIS, useValue: redis },
        { provide: CONTROL_PLANE_CONFIG, useValue: { metering: { enabled, batchSize: 10, claimIdleMs: 60_000, streamShards: 1 } } as ControlPlaneConfig },
        { provide: LedgerBatchWriter, useValue: {} },
        { provide: ShutdownHooks, useValue: hooks },
        { provide: MetricsRegistry, useValue: registry },
        { provide: SchemaReady, useValue: schema },
      ],
    }).compile();
    return moduleRef.get(MeteringService);
  }

  beforeEach(() => {
    prefix = `metering-spec-${randomUUID()}:`;
    redis = new Redis({ lazyConnect: true, keyPrefix: prefix });
    duplicate = jest.spyOn(redis, 'duplicate');
    schema = new PendingSchema();
    hooks = new ShutdownHooks();
    registry = new MetricsRegistry();
  });

  afterEach(async () => {
    const cleaner = new Redis();
    const keys = await cleaner.keys(`${prefix}*`);
    if (keys.length > 0) await cleaner.del(...keys);
    cleaner.disconnect();
    redis.disconnect();
  });

  it('does nothing when metering is off: no drain step, no metrics, no wait for the schema', async () => {
    const service = await metering(false);
    const register = jest.spyOn(hooks, 'register');
    await service.onApplicationBootstrap();
    expect(register).not.toHaveBeenCalled();
    expect(schema.waiting).toEqual([]);
    expect(registry.getMetricsAsArray()).toEqual([]);
  });

  it('when on, registers its drain step and waits for the migrations before it consumes', async () => {
    const service = await metering(true);
    const register = jest.spyOn(hooks, 'register');
    await service.onApplicationBootstrap();
    expect(register).toHaveBeenCalledWith('usage consumer stop', expect.any(Function));
    expect(schema.waiting).toEqual(['consuming usage events']);
    expect(registry.getMetricsAsArray().length).toBeGreaterThan(0);
    expect(duplicate).not.toHaveBeenCalled();
  });

  it('starts the consumer on a connection of its own once migrated, and stops it in the drain', async () => {
    const service = await metering(true);
    await service.onApplicationBootstrap();
    await schema.migrate();
    expect(duplicate).toHaveBeenCalledWith({ connectionName: 'control-plane-metering' });
    const connection = duplicate.mock.results[0].value as Redis;
    await hooks.run();
    // disconnect() ends the connection on the next tick; the test times out if it never does.
    await new Promise<void>((resolve) => (connection.status === 'end' ? resolve() : connection.once('end', () => resolve())));
    await service.onApplicationShutdown();
  });

  it('never starts a consumer once shutdown has begun, even if the migrations land afterwards', async () => {
    const service = await metering(true);
    await service.onApplicationBootstrap();
    await hooks.run();
    await schema.migrate();
    expect(duplicate).not.toHaveBeenCalled();
    await service.onApplicationShutdown();
    expect(duplicate).not.toHaveBeenCalled();
  });
});
