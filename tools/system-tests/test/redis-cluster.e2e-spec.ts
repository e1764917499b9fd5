import { RedisKeys } from '@sluice/contracts';
import { LocalRedisCluster, waitUntil } from '@sluice/testing';
import { Cluster } from './support/cluster';
import { runProjectionRebuild } from './support/services';
import { duplicates, Ledger } from './support/ledger';
import {
  awaitRoomInWindow,
  burst,
  chat,
  costMicros,
  createActiveTenant,
  createKey,
  createPlan,
  DEFAULT_CHAT,
  estimatedPromptTokens,
  reservedTokens,
  sql,
  statusCounts,
  topUp,
  type Pricing,
} from './support/tenants';
import { describeOutcome, drive, sendChat, wasAdmitted, type ChatRequest } from './support/traffic';

const MINUTE = 60;

/**
 * Sluice on a Redis Cluster (docs/operations.md, "Running on Redis Cluster"):
 * a private three-master cluster started by the test, two gateways and two
 * control planes given only REDIS_CLUSTER_NODES (their REDIS_URL points at a
 * closed port). Every tenant's counters live in the one slot of its hash tag,
 * so the admission scripts stay atomic and the replicas together admit exactly
 * the configured numbers, as on a single Redis.
 */
describe('Sluice on a 3-master Redis Cluster', () => {
  let redis: LocalRedisCluster;
  let cluster: Cluster;
  let ledger: Ledger;

  beforeAll(async () => {
    // Persistent: a master restarted mid-run comes back with its data, as a production node with AOF would.
    redis = await LocalRedisCluster.start({ persistent: true });
    cluster = await Cluster.start({
      controlPlanes: 2,
      gateways: 2,
      redisClusterNodes: redis.nodes,
      controlPlaneEnv: { METERING_CLAIM_IDLE_MS: '1000', METERING_BATCH_SIZE: '50', BILLING_CLOSE_INTERVAL_MS: '200' },
    });
    ledger = await Ledger.open(cluster);
  }, 180_000);

  afterAll(async () => {
    await ledger?.close();
    await cluster?.close();
    await redis?.stop();
  }, 60_000);

  it('rpm 20: of 60 concurrent requests over both gateways exactly 20 pass', async () => {
    const tenant = await createActiveTenant(cluster, await createPlan(cluster, { limits: { rpm: 20 } }));
    const { key } = await createKey(cluster, tenant);
    await awaitRoomInWindow(MINUTE);
    expect(statusCounts(await burst(cluster, key, 60))).toEqual({ 200: 20, 429: 40 });
  });

  it('tpm: the number admitted is what the reservation rule predicts', async () => {
    const perRequest = reservedTokens(DEFAULT_CHAT.content, DEFAULT_CHAT.maxTokens);
    const expectedAdmitted = 8;
    const tenant = await createActiveTenant(cluster, await createPlan(cluster, { limits: { tpm: expectedAdmitted * perRequest + perRequest - 1 } }));
    const { key } = await createKey(cluster, tenant);
    await awaitRoomInWindow(MINUTE);
    expect(statusCounts(await burst(cluster, key, 3 * expectedAdmitted))).toEqual({ 200: expectedAdmitted, 429: 2 * expectedAdmitted });
  });

  it('max_concurrency 3: of 12 concurrent slow streams exactly 3 are admitted', async () => {
    const limit = 3;
    const tenant = await createActiveTenant(cluster, await createPlan(cluster));
    const { key } = await createKey(cluster, tenant, { max_concurrency: limit });
    const slow = { stream: true, content: `[[mock:tokens=6;chunk_delay_ms=400]] ${DEFAULT_CHAT.content}` };
    const responses = await Promise.all(Array.from({ length: 4 * limit }, (_, index) => chat(cluster.gateways[index % 2].url, key, slow)));
    await Promise.all(responses.map((response) => response.text()));
    expect(statusCounts(responses)).toEqual({ 200: limit, 429: 3 * limit });
  });

  it('period quota 4 calls: of 12 concurrent requests exactly 4 pass', async () => {
    const calls = 4;
    const tenant = await createActiveTenant(cluster, await createPlan(cluster), { quota: { api_calls_limit: calls } });
    const { key } = await createKey(cluster, tenant);
    expect(statusCounts(await burst(cluster, key, 3 * calls))).toEqual({ 200: calls, 429: 2 * calls });
  });

  it('prepaid credits for exactly 6 requests: of 18 concurrent requests 6 pass, and the ledger balance ends ≥ 0 and equal to the live one', async () => {
    const paidFor = 6;
    const model = 'mock-smart';
    const pricing = (await cluster.call<{ pricing: Pricing }>('GET', `/api/models/${model}/`, { token: cluster.adminToken })).body.pricing;
    const reservation = costMicros(pricing, estimatedPromptTokens(DEFAULT_CHAT.content), DEFAULT_CHAT.maxTokens);
    const tenant = await createActiveTenant(cluster, await createPlan(cluster, { billing_mode: 'prepaid' }));
    const { key } = await createKey(cluster, tenant);
    const funded = paidFor * reservation + reservation - 1;
    await topUp(cluster, tenant, funded / 1_000_000);
    const credits = async () =>
      (await cluster.call<{ balance_micros: number; live_balance_micros: number | null; count: number }>('GET', `/api/tenants/${tenant.slug}/credits/`, { token: cluster.adminToken }))
        .body;
    await waitUntil(async () => (await credits()).live_balance_micros === funded, 5_000, 'the top-up in the live balance');

    expect(statusCounts(await burst(cluster, key, 3 * paidFor, { model }))).toEqual({ 200: paidFor, 402: 2 * paidFor });

    await waitUntil(async () => (await credits()).count === 1 + paidFor, 15_000, 'every admitted request in the ledger');
    const view = await credits();
    expect(view.balance_micros).toBe(funded - paidFor * reservation);
    expect(view.live_balance_micros).toBe(view.balance_micros);
  });

  it('a revoked key is refused by both gateways within 1 s (the invalidation crosses nodes)', async () => {
    const tenant = await createActiveTenant(cluster, await createPlan(cluster));
    // Served by both gateways once this returns.
    const created = await createKey(cluster, tenant);
    const revoked = await cluster.call('POST', `/api/api-keys/${created.id}/revoke/`, { token: cluster.adminToken });
    const deadline = Date.now() + 1_000;
    expect(revoked.status).toBe(200);
    await Promise.all(
      cluster.gateways.map((gateway) =>
        waitUntil(async () => (await chat(gateway.url, created.key)).status === 401, Math.max(0, deadline - Date.now()), `${gateway.entry.name} to refuse the revoked key`),
      ),
    );
  });

  it('rebuilds the projection from the database on the cluster: every master scanned, a lost record back, orphans gone', async () => {
    const tenant = await createActiveTenant(cluster, await createPlan(cluster));
    await createKey(cluster, tenant);
    const client = redis.client(cluster.redisKeyPrefix);
    const orphans = Array.from({ length: 6 }, (_, index) => RedisKeys.apiKey(`orphan-${index}-${tenant.id}`));
    try {
      await client.del(RedisKeys.tenant(tenant.id));
      for (const orphan of orphans) await client.set(orphan, '{}');
      const rebuild = await runProjectionRebuild({
        DATABASE_URL: cluster.databaseUrl,
        REDIS_URL: 'redis://127.0.0.1:1/0',
        REDIS_CLUSTER_NODES: redis.nodes,
        REDIS_KEY_PREFIX: cluster.redisKeyPrefix,
        MOCK_PROVIDER_URL: cluster.mock.url,
      });
      expect(rebuild).toMatchObject({ code: 0 });
      expect(await client.exists(RedisKeys.tenant(tenant.id))).toBe(1);
      expect(await Promise.all(orphans.map((orphan) => client.exists(orphan)))).toEqual(orphans.map(() => 0));
    } finally {
      await client.quit();
    }
  }, 60_000);

  it("runs BullMQ's repeatable period close: a postpaid tenant whose period ended gets its statement", async () => {
    const tenant = await createActiveTenant(cluster, await createPlan(cluster, { billing_mode: 'postpaid', period_days: 1 }));
    await sql(cluster, `UPDATE tenants SET last_reset_at = now() - interval '1 day 1 minute' WHERE id = $1`, [tenant.id]);
    await waitUntil(async () => (await sql(cluster, 'SELECT id FROM statements WHERE tenant_id = $1', [tenant.id])).length === 1, 15_000, 'the statement');
    // All of BullMQ's keys share the `{jobs}` hash tag, so its multi-key scripts run on one node.
    const jobKeysPerNode = (await redis.keysPerNode(`${cluster.redisKeyPrefix}{jobs}:*`)).map((keys) => keys.length);
    expect(jobKeysPerNode.filter((count) => count > 0)).toHaveLength(1);
  });

  it('meters every admitted request exactly once with one control plane SIGKILLed mid-consume and the usage stream\'s master restarted mid-run', async () => {
    const tenant = await createActiveTenant(cluster, await createPlan(cluster));
    const { key } = await createKey(cluster, tenant);
    const mix: ChatRequest[] = [
      { kind: 'plain', model: 'mock-fast', content: 'Say something short', stream: false },
      { kind: 'stream', model: 'mock-fast', content: 'Tell a story [[mock: tokens=10; chunk_delay_ms=30]]', stream: true },
    ];
    let sent = 0;
    let stopped = false;
    const load = drive(4, () => {
      if (stopped) return null;
      const index = sent++;
      const gateway = index % cluster.gateways.length;
      return () => sendChat(cluster.gateways[gateway].url, gateway, key, mix[index % mix.length]);
    });
    const sentAtLeast = (count: number) => waitUntil(() => sent >= count, 30_000, `${count} requests sent`);

    await sentAtLeast(30);
    const victim = cluster.controlPlanes[1];
    const victimPid = victim.pid as number;
    const writes = await ledger.blockLedgerWrites();
    try {
      await waitUntil(async () => (await ledger.pendingOfProcess(victimPid)) > 0, 20_000, `${victim.entry.name} to hold deliveries`);
      await victim.kill();
    } finally {
      await writes.release();
    }

    // The master holding the usage stream (and its consumer group) dies and comes back while requests flow.
    await sentAtLeast(sent + 20);
    const streamMaster = (await redis.keysPerNode(`${cluster.redisKeyPrefix}${RedisKeys.usageStream()}`)).findIndex((keys) => keys.length === 1);
    expect(streamMaster).toBeGreaterThanOrEqual(0);
    await redis.restartNode(streamMaster);
    await sentAtLeast(sent + 30);
    stopped = true;
    const outcomes = await load;

    // Admitted, or refused cleanly while the tenant's shard was away.
    const unexpected = outcomes.filter((outcome) => !wasAdmitted(outcome) && !(outcome.status === 503 && outcome.code === 'service_unavailable'));
    expect(unexpected.map(describeOutcome)).toEqual([]);
    const admitted = outcomes.filter(wasAdmitted).map((outcome) => outcome.requestId as string);
    await ledger.waitUntilDrained([tenant.id], admitted, 45_000);
    const recorded = (await ledger.events([tenant.id])).map((event) => event.request_id);
    expect(duplicates(recorded)).toEqual({});
    expect(recorded.sort()).toEqual(admitted.sort());
    expect(await ledger.dailyRollups([tenant.id])).toEqual(await ledger.rollupsOfEvents([tenant.id]));
  }, 120_000);

  it("spread the deployment's keys over the masters, so the checks above crossed slots and nodes", async () => {
    const keysPerNode = await redis.keysPerNode(`${cluster.redisKeyPrefix}*`);
    expect(keysPerNode.filter((keys) => keys.length > 0).length).toBeGreaterThanOrEqual(2);
  });
});
