import { DisposableRedisServer, waitUntil } from '@sluice/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from './support/cluster';
import { duplicates, Ledger, type LedgerEvent } from './support/ledger';
import { createActiveTenant, createKey, createPlan, sleep, type ApiKey, type Tenant } from './support/tenants';
import { describeOutcome, drive, sendChat, tally, wasAdmitted, type ChatRequest, type Outcome } from './support/traffic';

/** A model whose only deployment answers 503, so every request is served by its fallback, `mock-fast`. */
const FALLBACK_MODEL = 'failing-primary';

/** What the workers send, in turn: every way a request can end that the gateway meters. */
const MIX: ChatRequest[] = [
  { kind: 'plain', model: 'mock-fast', content: 'Say something short', stream: false },
  { kind: 'stream', model: 'mock-fast', content: 'Tell a story [[mock: tokens=20; chunk_delay_ms=40]]', stream: true },
  { kind: 'provider_error', model: 'mock-fast', content: 'Fail [[mock: status=500]]', stream: false },
  { kind: 'fallback', model: FALLBACK_MODEL, content: 'Fall back', stream: false },
  { kind: 'fallback_stream', model: FALLBACK_MODEL, content: 'Fall back [[mock: tokens=10; chunk_delay_ms=40]]', stream: true },
  { kind: 'client_abort', model: 'mock-fast', content: 'A long story [[mock: tokens=200; chunk_delay_ms=30]]', stream: true, abortAfterFirstText: true },
  { kind: 'stream_error', model: 'mock-fast', content: 'Break [[mock: stream_error]]', stream: true },
];

const WORKERS = 6;
const REDIS_OUTAGE_MS = 1_500;

/**
 * Issue 7, "metering exact": two gateways and two control planes in real
 * processes on one Redis (private, so it can be restarted) and one database.
 * While a mix of successes, streams, provider errors, fallbacks and client
 * aborts flows over both gateways, one control plane is SIGKILLed holding
 * deliveries it had not committed, and Redis is killed and restarted. After
 * draining, the ledger holds every admitted request exactly once, its
 * rollups equal the sum of its events, and no stream is recorded without
 * tokens.
 */
describe('metering is exact through a control-plane crash and a Redis restart (issue 7)', () => {
  let dataDirectory: string;
  let redis: DisposableRedisServer;
  let cluster: Cluster;
  let ledger: Ledger;
  let tenant: Tenant;
  let key: ApiKey;

  beforeAll(async () => {
    // Redis as deployed (docs/operations.md): with its append-only file, so a restart is not a data loss.
    dataDirectory = mkdtempSync(join(tmpdir(), 'sluice-metering-redis-'));
    redis = await DisposableRedisServer.start({ dataDirectory });
    cluster = await Cluster.start({
      controlPlanes: 2,
      gateways: 2,
      redisUrl: redis.url,
      // A dead consumer's deliveries are claimed after 1 s instead of 30 s.
      controlPlaneEnv: { METERING_CLAIM_IDLE_MS: '1000', METERING_BATCH_SIZE: '50' },
      // Provider errors stay real upstream calls instead of an open breaker's shortcut.
      gatewayEnv: { CIRCUIT_BREAKER_FAILURE_THRESHOLD: '1000' },
    });
    ledger = await Ledger.open(cluster);
    await createFallbackModel();
    tenant = await createActiveTenant(cluster, await createPlan(cluster));
    key = await createKey(cluster, tenant);
    for (const gateway of cluster.gateways) {
      await waitUntil(
        async () => (await fetch(`${gateway.url}/v1/models/${FALLBACK_MODEL}`, { headers: { authorization: `Bearer ${key.key}` } })).status === 200,
        5_000,
        `${gateway.entry.name} to know ${FALLBACK_MODEL}`,
      );
    }
  }, 180_000);

  afterAll(async () => {
    await ledger?.close();
    await cluster?.close();
    await redis?.stop();
    if (dataDirectory) rmSync(dataDirectory, { recursive: true, force: true });
  }, 60_000);

  async function createFallbackModel(): Promise<void> {
    const response = await cluster.call('POST', '/api/models/', {
      token: cluster.adminToken,
      body: {
        id: FALLBACK_MODEL,
        provider: 'mock',
        deployments: [{ provider: 'mock', base_url: cluster.mock.url, upstream_model: 'mock-fast+status=503', region: 'local', timeout_ms: 5_000 }],
        fallbacks: ['mock-fast'],
        pricing: { input_per_mtok_usd: 0.1, output_per_mtok_usd: 0.2 },
        context_window: 128_000,
        max_output_tokens: 4_096,
        sandbox: true,
      },
    });
    if (response.status !== 201) throw new Error(`model creation failed: ${response.status} ${JSON.stringify(response.body)}`);
  }

  it('records every admitted request exactly once, with rollups equal to the events and no stream without tokens', async () => {
    let sent = 0;
    let stopped = false;
    const load = drive(WORKERS, () => {
      if (stopped) return null;
      const index = sent++;
      const gateway = index % cluster.gateways.length;
      return () => sendChat(cluster.gateways[gateway].url, gateway, key.key, MIX[index % MIX.length]);
    });
    const sentAtLeast = (count: number) => waitUntil(() => sent >= count, 30_000, `${count} requests sent`);

    // A control plane dies mid-consume: its deliveries are read and being written, none committed or acknowledged.
    await sentAtLeast(40);
    const victim = cluster.controlPlanes[1];
    const victimPid = victim.pid as number;
    const writes = await ledger.blockLedgerWrites();
    let heldAtKill = 0;
    try {
      await waitUntil(async () => (await ledger.pendingOfProcess(victimPid)) > 0, 20_000, `${victim.entry.name} to hold deliveries`);
      heldAtKill = await ledger.pendingOfProcess(victimPid);
      await victim.kill();
    } finally {
      await writes.release();
    }

    // Redis dies and comes back while requests are in flight, streams included.
    await sentAtLeast(sent + 20);
    const outageStart = Date.now();
    await redis.stop();
    await sleep(REDIS_OUTAGE_MS);
    await redis.start();
    const outageEnd = Date.now();
    await sentAtLeast(sent + 30);
    stopped = true;
    const outcomes = await load;

    // Every request was answered: admitted, or refused cleanly because Redis was away.
    const unexpected = outcomes.filter((outcome) => !wasAdmitted(outcome) && !(outcome.status === 503 && outcome.code === 'service_unavailable'));
    expect(unexpected.map(describeOutcome)).toEqual([]);
    const admitted = outcomes.filter(wasAdmitted);
    expect(Object.keys(tally(admitted, (outcome) => outcome.kind)).sort()).toEqual(MIX.map((request) => request.kind).sort());
    expect(admitted.every((outcome) => outcome.requestId !== null)).toBe(true);
    expect(heldAtKill).toBeGreaterThan(0);
    // Some requests ended while Redis was away: their usage waited in the gateways' buffers.
    const settledInOutage = admitted.filter((outcome) => outcome.endedAt > outageStart && outcome.endedAt < outageEnd);
    expect(settledInOutage.length).toBeGreaterThan(0);

    await ledger.waitUntilDrained([tenant.id], admitted.map((outcome) => outcome.requestId as string), 60_000);
    const events = await ledger.events([tenant.id]);
    const recordedIds = events.map((event) => event.request_id);
    expect(duplicates(recordedIds)).toEqual({});
    expect(recordedIds.sort()).toEqual(admitted.map((outcome) => outcome.requestId as string).sort());

    // Each event says what happened to its request.
    const byId = new Map(events.map((event) => [event.request_id, event]));
    const misrecorded = admitted.flatMap((outcome) => {
      const event = byId.get(outcome.requestId as string) as LedgerEvent;
      const problem = misrecording(outcome, event);
      return problem ? [`${describeOutcome(outcome)}: ${problem} in ${JSON.stringify(event)}`] : [];
    });
    expect(misrecorded).toEqual([]);

    // Rollups and period usage moved once per event.
    expect(await ledger.dailyRollups([tenant.id])).toEqual(await ledger.rollupsOfEvents([tenant.id]));
    expect(await ledger.periodTotals([tenant.id])).toEqual(await ledger.periodTotalsOfEvents([tenant.id]));
  }, 150_000);
});

/** What is wrong with the event recorded for `outcome`, if anything. */
function misrecording(outcome: Outcome, event: LedgerEvent): string | null {
  if (outcome.streamStarted && event.prompt_tokens + event.completion_tokens === 0) return 'a stream with zero tokens';
  if (outcome.kind === 'client_abort' && event.outcome !== 'client_aborted') return 'an abort not recorded as client_aborted';
  if (outcome.kind === 'provider_error' && (event.outcome !== 'provider_error' || event.http_status !== outcome.status)) return 'a provider error recorded otherwise';
  if (outcome.kind === 'stream_error' && event.outcome !== 'provider_error') return 'a stream the provider broke not recorded as provider_error';
  if (outcome.kind.startsWith('fallback') && event.model !== 'mock-fast') return 'a fallback not recorded under the model that answered';
  if ((outcome.kind === 'stream' || outcome.kind === 'fallback_stream') && (event.outcome !== 'completed' || event.completion_tokens === 0)) {
    return 'a finished stream not recorded as completed with its tokens';
  }
  return null;
}
