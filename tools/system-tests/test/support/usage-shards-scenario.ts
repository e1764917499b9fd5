import type { UsageEventV1 } from '@sluice/contracts';
import { LocalRedisCluster, usageEvent, waitUntil } from '@sluice/testing';
import { randomUUID } from 'node:crypto';
import { Cluster } from './cluster';
import { Ledger } from './ledger';
import { createActiveTenant, createKey, createPlan } from './tenants';
import { sendChat, wasAdmitted } from './traffic';

const SHARDS = 16;
const CLAIM_IDLE_MS = 2_000;

/** A valid usage event of a tenant the gateway never saw: the streams carry many tenants without creating each. */
function syntheticEvent(tenantId: string): UsageEventV1 {
  return usageEvent({ tenant_id: tenantId, prompt_tokens: 3, completion_tokens: 4, cost_micros: 5, latency_ms: 10, time_to_first_token_ms: null });
}

/**
 * Sharded usage streams (docs/scaling.md, "Usage stream shards"): a gateway
 * and two control planes as processes with USAGE_STREAM_SHARDS=16. The two
 * consumers split the shards, none held twice; one is SIGKILLed holding
 * deliveries it had not committed, and the other takes its shards and their
 * pending entries within the claim idle time. Every event lands once.
 */
export function describeUsageShards(onCluster: boolean): void {
describe(`usage stream shards on ${onCluster ? 'a 3-master Redis Cluster' : 'one Redis'}`, () => {
  let redisCluster: LocalRedisCluster | undefined;
  let cluster: Cluster;
  let ledger: Ledger;

  beforeAll(async () => {
    redisCluster = onCluster ? await LocalRedisCluster.start() : undefined;
    cluster = await Cluster.start({
      controlPlanes: 2,
      gateways: 1,
      redisClusterNodes: redisCluster?.nodes,
      env: { USAGE_STREAM_SHARDS: String(SHARDS) },
      controlPlaneEnv: { METERING_CLAIM_IDLE_MS: String(CLAIM_IDLE_MS), METERING_BATCH_SIZE: '20' },
    });
    ledger = await Ledger.open(cluster, SHARDS);
  }, 120_000);

  afterAll(async () => {
    await ledger?.close();
    await cluster?.close();
    await redisCluster?.stop();
  }, 60_000);

  /** The shards each control-plane process holds, by its index in the cluster. */
  async function shardsHeld(): Promise<number[]> {
    const held = cluster.controlPlanes.map(() => 0);
    for (const holder of (await ledger.leaseHolders()).values()) {
      const index = cluster.controlPlanes.findIndex((plane) => plane.running && holder?.includes(`-${plane.pid}-`));
      if (index >= 0) held[index]++;
    }
    return held;
  }

  it('splits the shards between the two consumers, moves a killed one’s within the claim idle time, and records every event once', async () => {
    await waitUntil(async () => (await shardsHeld()).join() === `${SHARDS / 2},${SHARDS / 2}`, 20_000, 'the two consumers to split the shards');

    // Real requests through the gateway, which appends each to its tenant's shard.
    const tenant = await createActiveTenant(cluster, await createPlan(cluster));
    const { key } = await createKey(cluster, tenant);
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, () => sendChat(cluster.gateways[0].url, 0, key, { kind: 'plain', model: 'mock-fast', content: 'Say something short', stream: false })),
    );
    const admitted = outcomes.filter(wasAdmitted).map((outcome) => outcome.requestId as string);
    expect(admitted).toHaveLength(12);

    // Many tenants, so that every shard has work.
    const tenants = Array.from({ length: 96 }, () => randomUUID());
    const early = tenants.map((tenantId) => syntheticEvent(tenantId));
    await ledger.appendToShards(early as Array<{ tenant_id: string }>);

    // The second consumer dies mid-consume: its deliveries read and being written, none committed or acknowledged.
    const victim = cluster.controlPlanes[1];
    const victimPid = victim.pid as number;
    const late = tenants.map((tenantId) => syntheticEvent(tenantId));
    const writes = await ledger.blockLedgerWrites();
    let killedAt = 0;
    try {
      await ledger.appendToShards(late as Array<{ tenant_id: string }>);
      await waitUntil(async () => (await ledger.pendingOfProcess(victimPid)) > 0, 20_000, 'the victim to hold deliveries');
      await victim.kill();
      killedAt = Date.now();
    } finally {
      await writes.release();
    }

    // Polled against the deadline the claim idle time sets, counted from the kill.
    await waitUntil(async () => (await shardsHeld()).join() === `${SHARDS},0`, Math.max(CLAIM_IDLE_MS - (Date.now() - killedAt), 1), 'the survivor to hold every shard');

    const requestIds = [...admitted, ...[...early, ...late].map((event) => event['request_id'] as string)];
    await ledger.waitUntilDrained([tenant.id, ...tenants], requestIds, 30_000);
    const recorded = (await ledger.events([tenant.id, ...tenants])).map((event) => event.request_id);
    expect(recorded.sort()).toEqual([...requestIds].sort());
    expect(await ledger.dailyRollups([tenant.id, ...tenants])).toEqual(await ledger.rollupsOfEvents([tenant.id, ...tenants]));
    expect(await ledger.pendingOfProcess(victimPid)).toBe(0);
    // On a cluster the shards are spread over the masters.
    if (redisCluster) {
      const perNode = await redisCluster.keysPerNode(`${cluster.redisKeyPrefix}usage:v1:shard:*`);
      const streamsPerNode = perNode.map((keys) => keys.filter((name) => !name.endsWith(':lease')).length);
      expect(streamsPerNode.sort()).toEqual([5, 5, 6]);
    }
  });
});
}
