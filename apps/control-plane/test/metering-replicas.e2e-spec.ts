import { RedisKeys, USAGE_CONSUMER_GROUP } from '@sluice/contracts';
import { deleteKeysWithPrefix, uniqueKeyPrefix } from '@sluice/testing';
import { startControlPlane, type ControlPlaneUnderTest } from './control-plane-harness';
import { startIdentityWorld, type IdentityWorld } from './identity-fixture';
import { LedgerProbe, usageEvent, UsageStreamClient } from './usage-stream-client';

/**
 * Two control planes consume one usage stream into one database, while a
 * third consumer dies holding deliveries and one replica stops mid-run.
 */
describe('metering across control-plane replicas (docs/limits.md, "Metering")', () => {
  let world: IdentityWorld;
  let ledger: LedgerProbe;
  let stream: UsageStreamClient;
  const prefix = uniqueKeyPrefix();
  const replicas: ControlPlaneUnderTest[] = [];

  const startReplica = () =>
    startControlPlane({
      DATABASE_URL: world.app.databaseUrl,
      REDIS_KEY_PREFIX: prefix,
      METERING_CLAIM_IDLE_MS: '300',
      METERING_BATCH_SIZE: '50',
    });

  beforeAll(async () => {
    // The world's own consumer reads its own prefix; the replicas share `prefix`.
    world = await startIdentityWorld();
    ledger = new LedgerProbe(world.app.databaseUrl);
    await ledger.connect();
    stream = new UsageStreamClient(prefix);
  });
  afterAll(async () => {
    // Closed through Nest only: the harness's close would delete the shared prefix under the other replica.
    for (const replica of replicas) await replica.app.close().catch(() => undefined);
    stream?.close();
    await ledger?.close();
    await deleteKeysWithPrefix(prefix);
    await world?.app.close();
  });

  it('every event is counted exactly once: claimed from a dead consumer, redelivered, and across a replica stopping mid-run', async () => {
    const tenantId = world.tenantA.id;
    const count = (sql: string) => ledger.scalar(sql, [tenantId]);

    // A consumer that took 120 deliveries and died without acknowledging any.
    await stream.redis.xgroup('CREATE', `${prefix}${RedisKeys.usageStream()}`, USAGE_CONSUMER_GROUP, '0', 'MKSTREAM');
    const early = Array.from({ length: 120 }, (_, i) => usageEvent({ tenant_id: tenantId, prompt_tokens: i, completion_tokens: 1, cost_micros: 3 }));
    await stream.append(...early);
    const delivered = (await stream.redis.xreadgroup('GROUP', USAGE_CONSUMER_GROUP, 'dead-consumer', 'COUNT', 1000, 'STREAMS', RedisKeys.usageStream(), '>')) as Array<
      [string, unknown[]]
    >;
    expect(delivered[0][1]).toHaveLength(120);

    replicas.push(await startReplica(), await startReplica());
    const later = Array.from({ length: 1_000 }, () => usageEvent({ tenant_id: tenantId, prompt_tokens: 2, completion_tokens: 3, cost_micros: 5 }));
    for (let chunk = 0; chunk < 10; chunk++) {
      const events = later.slice(chunk * 100, chunk * 100 + 100);
      // Every tenth event is appended twice (a gateway replaying after a lost reply), some across chunks.
      await stream.append(...events, ...events.filter((_, i) => i % 10 === 0), ...(chunk > 0 ? [later[chunk * 100 - 1]] : []));
      // Halfway, one replica drains and stops; the other carries on alone.
      if (chunk === 4) await replicas[0].app.close();
    }
    await stream.waitDrained(20_000);

    const expectedEvents = early.length + later.length;
    const expectedTokens = early.reduce((sum, event) => sum + event.prompt_tokens + 1, 0) + later.length * 5;
    expect(await count('SELECT count(*) AS value FROM usage_events WHERE tenant_id = $1')).toBe(expectedEvents);
    expect(await count('SELECT sum(requests) AS value FROM usage_daily WHERE tenant_id = $1')).toBe(expectedEvents);
    expect(await count('SELECT sum(prompt_tokens + completion_tokens) AS value FROM usage_daily WHERE tenant_id = $1')).toBe(expectedTokens);
    expect(await count('SELECT sum(cost_micros) AS value FROM usage_daily WHERE tenant_id = $1')).toBe(early.length * 3 + later.length * 5);
    expect(await count('SELECT sum(api_calls) AS value FROM tenant_period_usage WHERE tenant_id = $1')).toBe(expectedEvents);
    expect(await count('SELECT sum(ai_tokens) AS value FROM tenant_period_usage WHERE tenant_id = $1')).toBe(expectedTokens);

    // The dead consumer's deliveries were claimed and acknowledged by a live one.
    const pending = (await stream.redis.xpending(RedisKeys.usageStream(), USAGE_CONSUMER_GROUP)) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
  });
});
