import { RedisKeys, USAGE_CONSUMER_GROUP } from '@sluice/contracts';
import { CONTROL_PLANE_ENTRY, createTestDatabase, deleteKeysWithPrefix, ServiceProcess, TEST_REDIS_URL, uniqueKeyPrefix, waitUntil, type Exit } from '@sluice/testing';
import { randomUUID } from 'node:crypto';
import { LedgerProbe, usageEvent, UsageStreamClient } from './usage-stream-client';

const DRAIN_DELAY_MS = 1_000;
const GRACE_MS = 20_000;

/** Resolves to the exit, or to 'timeout' after `ms`. */
function exitWithin(process: ServiceProcess, ms: number): Promise<Exit | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  return Promise.race([process.exited(), timeout]).finally(() => clearTimeout(timer));
}

describe('control-plane process on SIGTERM while consuming usage', () => {
  const keyPrefix = uniqueKeyPrefix();
  const tenantId = randomUUID();
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let stream: UsageStreamClient;
  let ledger: LedgerProbe;
  let controlPlane: ServiceProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    stream = new UsageStreamClient(keyPrefix);
    ledger = new LedgerProbe(database.url);
    await ledger.connect();
  });
  afterAll(async () => {
    if (controlPlane?.running) await controlPlane.kill();
    stream?.close();
    await ledger?.close();
    await deleteKeysWithPrefix(keyPrefix);
    await database?.drop();
  });

  it('fails readiness at once, commits and acknowledges every event it took, and exits 0', async () => {
    controlPlane = await ServiceProcess.start(CONTROL_PLANE_ENTRY, {
      DATABASE_URL: database.url,
      MIGRATE_ON_START: 'false',
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: keyPrefix,
      METERING_BATCH_SIZE: '50',
      SHUTDOWN_DRAIN_DELAY_MS: String(DRAIN_DELAY_MS),
      SHUTDOWN_GRACE_MS: String(GRACE_MS),
    });
    const { url } = controlPlane;

    // A gateway's worth of traffic, appended until the process has exited: the consumer is busy when the signal comes.
    let producing = true;
    const producer = (async () => {
      while (producing) {
        await stream.append(...Array.from({ length: 50 }, () => usageEvent({ tenant_id: tenantId })));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    const recorded = () => ledger.scalar('SELECT count(*) AS value FROM usage_events WHERE tenant_id = $1', [tenantId]);
    try {
      await waitUntil(async () => (await recorded()) >= 200, 20_000, 'the consumer to be metering');

      controlPlane.signal('SIGTERM');
      await waitUntil(async () => (await fetch(`${url}/health/ready`).catch(() => undefined))?.status === 503, 1_000, 'readiness to answer 503');
      expect(await exitWithin(controlPlane, DRAIN_DELAY_MS + GRACE_MS)).toEqual({ code: 0, signal: null });
    } finally {
      producing = false;
      await producer;
    }

    // Nothing delivered is left unacknowledged...
    const [pending] = (await stream.redis.xpending(RedisKeys.usageStream(), USAGE_CONSUMER_GROUP)) as [number, ...unknown[]];
    expect(pending).toBe(0);
    // ...and everything delivered, up to the group's last delivered entry, is in the ledger; the rest waits in the stream.
    const lastDelivered = await lastDeliveredId(stream);
    const delivered = (await stream.redis.xrange(RedisKeys.usageStream(), '-', lastDelivered)).map(([, fields]) => requestIdOf(fields));
    const waiting = await stream.redis.xlen(RedisKeys.usageStream());
    expect(waiting).toBeGreaterThan(delivered.length);
    expect(await ledger.scalar('SELECT count(*) AS value FROM usage_events WHERE request_id = ANY($1)', [delivered])).toBe(delivered.length);
    expect(await recorded()).toBe(delivered.length);
  }, 90_000);
});

async function lastDeliveredId(stream: UsageStreamClient): Promise<string> {
  const groups = (await stream.redis.xinfo('GROUPS', `${stream.redis.options.keyPrefix}${RedisKeys.usageStream()}`)) as Array<Array<string | number>>;
  for (const flat of groups) {
    const info = new Map<string, string | number>();
    for (let i = 0; i + 1 < flat.length; i += 2) info.set(String(flat[i]), flat[i + 1]);
    if (info.get('name') === USAGE_CONSUMER_GROUP) return String(info.get('last-delivered-id'));
  }
  throw new Error('the usage consumer group does not exist');
}

function requestIdOf(fields: string[]): string {
  return (JSON.parse(fields[fields.indexOf('event') + 1]) as { request_id: string }).request_id;
}
