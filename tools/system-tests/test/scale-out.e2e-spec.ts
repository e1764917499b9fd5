import { waitUntil } from '@sluice/testing';
import { Cluster } from './support/cluster';
import { duplicates, Ledger } from './support/ledger';
import { createActiveTenant, createKey, createPlan, sleep, type ApiKey, type Tenant } from './support/tenants';
import { describeOutcome, drive, sendChat, tally, wasAdmitted, type ChatRequest, type Outcome } from './support/traffic';

const RPM_LIMIT = 20;
const CONCURRENCY = 8;
/** Each worker's pause before a request: a moderate, steady load (~15 requests/s). */
const PACE_MS = 400;
/** While a process is down and restarting: a lighter load (~6 requests/s), so the restart is not starved of CPU on a small machine. */
const DOWNTIME_PACE_MS = 1_200;
const BEFORE_KILL = 60;
const AFTER_RESTART = 60;

interface Caller {
  name: string;
  tenant: Tenant;
  key: ApiKey;
}

const REQUESTS: ChatRequest[] = [
  { kind: 'plain', model: 'mock-fast', content: 'Say something short', stream: false },
  { kind: 'stream', model: 'mock-fast', content: 'Tell a story [[mock: tokens=12; chunk_delay_ms=25]]', stream: true },
  // About a second long: some are always in flight, and the kill cuts those of the killed gateway.
  { kind: 'long_stream', model: 'mock-fast', content: 'Tell a long story [[mock: tokens=40; chunk_delay_ms=25]]', stream: true },
];

/**
 * Issue 8, scale-out proof: three gateways and two control planes in real
 * processes on one PostgreSQL and one Redis, under a steady load spread over
 * the gateways, two tenants (one held to 20 requests a minute). One gateway
 * and one control plane are SIGKILLed mid-run and restarted. Every request
 * is answered or cleanly refused (connection refused, only by the dead
 * gateway while it is down), every 2xx is in the ledger exactly once, and
 * the rate limit holds in every window.
 */
describe('scale-out: three gateways and two control planes survive losing one of each (issue 8)', () => {
  let cluster: Cluster;
  let ledger: Ledger;
  let bulk: Caller;
  let limited: Caller;

  beforeAll(async () => {
    cluster = await Cluster.start({
      controlPlanes: 2,
      gateways: 3,
      // The killed control plane's deliveries are claimed after 1 s instead of 30 s.
      controlPlaneEnv: { METERING_CLAIM_IDLE_MS: '1000' },
    });
    ledger = await Ledger.open(cluster);
    const bulkTenant = await createActiveTenant(cluster, await createPlan(cluster));
    const limitedTenant = await createActiveTenant(cluster, await createPlan(cluster, { limits: { rpm: RPM_LIMIT } }));
    bulk = { name: 'bulk', tenant: bulkTenant, key: await createKey(cluster, bulkTenant) };
    limited = { name: 'limited', tenant: limitedTenant, key: await createKey(cluster, limitedTenant) };
  }, 180_000);

  afterAll(async () => {
    await ledger?.close();
    await cluster?.close();
  }, 60_000);

  it('answers or cleanly refuses every request, meters every 2xx exactly once, and holds the rpm limit', async () => {
    const victimGateway = 2;
    const gateway = cluster.gateways[victimGateway];
    const controlPlane = cluster.controlPlanes[1];
    let sent = 0;
    let stopAt = Number.POSITIVE_INFINITY;
    let pace = PACE_MS;
    const load = drive(CONCURRENCY, () => {
      if (sent >= stopAt) return null;
      const index = sent++;
      // Every combination of gateway, request kind and tenant; a third of the requests are the limited tenant's.
      const target = index % cluster.gateways.length;
      const request = REQUESTS[Math.floor(index / cluster.gateways.length) % REQUESTS.length];
      const caller = Math.floor(index / (cluster.gateways.length * REQUESTS.length)) % 3 === 0 ? limited : bulk;
      return async () => {
        await sleep(pace);
        return sendChat(cluster.gateways[target].url, target, caller.key.key, { ...request, kind: `${caller.name}:${request.kind}` });
      };
    });

    await waitUntil(() => sent >= BEFORE_KILL, 60_000, `${BEFORE_KILL} requests sent`);
    const killedAt = Date.now();
    await Promise.all([gateway.kill(), controlPlane.kill()]);
    pace = DOWNTIME_PACE_MS;
    let gatewayBackAt = Number.POSITIVE_INFINITY;
    await Promise.all([gateway.restart().then(() => (gatewayBackAt = Date.now())), controlPlane.restart()]);
    pace = PACE_MS;
    stopAt = sent + AFTER_RESTART;
    const outcomes = await load;

    // Answered, or refused at the connection by the killed gateway while it was down; nothing hung.
    const unanswered = outcomes.filter((outcome) => outcome.failure !== null);
    const strayFailures = unanswered.filter((outcome) => outcome.gateway !== victimGateway || outcome.endedAt < killedAt || outcome.endedAt > gatewayBackAt || outcome.failure === 'timeout');
    expect(strayFailures.map(describeOutcome)).toEqual([]);
    expect(unanswered.length).toBeGreaterThan(0);
    const answered = outcomes.filter((outcome) => outcome.failure === null);
    const isLimited = (outcome: Outcome) => outcome.kind.startsWith(`${limited.name}:`);
    const isLimitedRefusal = (outcome: Outcome) => isLimited(outcome) && outcome.status === 429 && outcome.code === 'rate_limit_exceeded' && outcome.retryAfter !== null;
    const badAnswers = answered.filter((outcome) => outcome.status !== 200 && !isLimitedRefusal(outcome));
    expect(badAnswers.map(describeOutcome)).toEqual([]);
    // The restarted gateway serves again.
    expect(answered.some((outcome) => outcome.gateway === victimGateway && outcome.sentAt > gatewayBackAt && outcome.status === 200)).toBe(true);

    // The limited tenant never had more than its limit admitted in one window (the window is the one X-RateLimit-Reset ends).
    const limitedAdmitted = answered.filter((outcome) => isLimited(outcome) && outcome.status === 200);
    expect(limitedAdmitted.every((outcome) => outcome.rateLimitReset !== null)).toBe(true);
    const perWindow = tally(limitedAdmitted, (outcome) => String(outcome.rateLimitReset));
    expect(Object.entries(perWindow).filter(([, count]) => count > RPM_LIMIT)).toEqual([]);
    expect(answered.some(isLimitedRefusal)).toBe(true);

    // The ledger: every 2xx exactly once; beyond them, at most the requests the kill cut off mid-answer.
    const admittedIds = outcomes.filter(wasAdmitted).map((outcome) => outcome.requestId as string);
    const tenantIds = [bulk.tenant.id, limited.tenant.id];
    await ledger.waitUntilDrained(tenantIds, admittedIds, 60_000);
    const recordedIds = (await ledger.events(tenantIds)).map((event) => event.request_id);
    expect(duplicates(recordedIds)).toEqual({});
    const recorded = new Set(recordedIds);
    expect(admittedIds.filter((id) => !recorded.has(id))).toEqual([]);
    const admitted = new Set(admittedIds);
    const unseen = recordedIds.filter((id) => !admitted.has(id));
    const cutMidAnswer = unanswered.filter((outcome) => outcome.failure !== 'ECONNREFUSED');
    expect(unseen.length).toBeLessThanOrEqual(cutMidAnswer.length);
    expect(await ledger.dailyRollups(tenantIds)).toEqual(await ledger.rollupsOfEvents(tenantIds));
    expect(await ledger.periodTotals(tenantIds)).toEqual(await ledger.periodTotalsOfEvents(tenantIds));
  }, 150_000);
});
