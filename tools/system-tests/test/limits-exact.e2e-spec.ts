import { waitUntil } from '@sluice/testing';
import { Cluster } from './support/cluster';
import {
  awaitRoomInWindow,
  burst,
  chat,
  createActiveTenant,
  createKey,
  createPlan,
  DEFAULT_CHAT,
  reservedTokens,
  statusCounts,
  type Answer,
} from './support/tenants';

const MINUTE = 60;
const HOUR = 3_600;

/**
 * Issue 7, "Limits exact": two gateway processes and two control-plane
 * processes on one Redis and one PostgreSQL. Each gateway's admission is one
 * atomic Lua script on the shared Redis, so the replicas together admit
 * exactly the configured number, never one per replica.
 */
describe('limits are exact across gateway replicas (issue 7)', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await Cluster.start({ controlPlanes: 2, gateways: 2 });
  }, 180_000);

  afterAll(async () => {
    await cluster?.close();
  }, 60_000);

  it('rpm 50: of 200 concurrent requests over both gateways exactly 50 pass and 150 get 429 rate_limit_exceeded with the rate-limit headers (docs/limits.md)', async () => {
    const tenant = await createActiveTenant(cluster, await createPlan(cluster, { limits: { rpm: 50 } }));
    const { key } = await createKey(cluster, tenant);
    await awaitRoomInWindow(MINUTE);

    const startedSec = Math.floor(Date.now() / 1000);
    const answers = await burst(cluster, key, 200);
    const endedSec = Math.ceil(Date.now() / 1000);

    expect(statusCounts(answers)).toEqual({ 200: 50, 429: 150 });
    const windowEnd = (Math.floor(startedSec / MINUTE) + 1) * MINUTE;
    for (const answer of answers) {
      expect(header(answer, 'X-RateLimit-Limit')).toBe(50);
      expect(header(answer, 'x-ratelimit-limit-requests')).toBe(50);
      expect(header(answer, 'X-RateLimit-Reset')).toBe(windowEnd);
      expect(answer.headers.has('x-ratelimit-limit-tokens')).toBe(false);
    }
    // Each admission took the next place in the one shared window: remaining 49, 48, ... 0, once each.
    const admitted = answers.filter((answer) => answer.status === 200);
    expect(admitted.map((answer) => header(answer, 'X-RateLimit-Remaining')).sort((a, b) => a - b)).toEqual(range(50));
    for (const answer of admitted) expect(header(answer, 'x-ratelimit-remaining-requests')).toBe(header(answer, 'X-RateLimit-Remaining'));

    for (const refused of answers.filter((answer) => answer.status === 429)) {
      expect(refused.body.error).toMatchObject({ code: 'rate_limit_exceeded', details: { level: 'tenant', limit: 'rpm' } });
      expect(header(refused, 'X-RateLimit-Remaining')).toBe(0);
      expect(header(refused, 'x-ratelimit-remaining-requests')).toBe(0);
      // Retry-After counts down to the end of the window, from whenever the refusal was made.
      const retryAfter = header(refused, 'Retry-After');
      expect(retryAfter).toBeGreaterThanOrEqual(Math.max(1, windowEnd - endedSec));
      expect(retryAfter).toBeLessThanOrEqual(windowEnd - startedSec + 1);
    }
  });

  it('max_concurrency 5: of 20 concurrent slow streams exactly 5 are admitted, the rest get 429 concurrency_limit_exceeded; the slots come back', async () => {
    const limit = 5;
    const tenant = await createActiveTenant(cluster, await createPlan(cluster));
    const { key } = await createKey(cluster, tenant, { max_concurrency: limit });
    // About 4 s per admitted stream: every other request reaches admission while the admitted ones still hold their slots.
    const slow = { stream: true, content: `[[mock:tokens=8;chunk_delay_ms=500]] ${DEFAULT_CHAT.content}` };

    const responses = await Promise.all(Array.from({ length: 4 * limit }, (_, index) => chat(cluster.gateways[index % 2].url, key, slow)));

    expect(statusCounts(responses)).toEqual({ 200: limit, 429: 3 * limit });
    const refused = responses.filter((response) => response.status === 429);
    for (const response of refused) {
      expect(response.headers.get('retry-after')).toBe('1');
      expect(await response.json()).toMatchObject({ error: { code: 'concurrency_limit_exceeded', details: { level: 'key', limit: 'max_concurrency' } } });
    }
    for (const response of responses.filter((candidate) => candidate.status === 200)) {
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      expect(await response.text()).toContain('data: [DONE]');
    }

    // Settlement frees each slot after its stream: `limit` overlapping streams fit again (a leaked slot would refuse one).
    const short = { stream: true, content: `[[mock:tokens=3;chunk_delay_ms=200]] ${DEFAULT_CHAT.content}` };
    await waitUntil(
      async () => {
        const again = await Promise.all(Array.from({ length: limit }, (_, index) => chat(cluster.gateways[index % 2].url, key, short)));
        await Promise.all(again.map((response) => response.text()));
        return again.every((response) => response.status === 200);
      },
      10_000,
      `${limit} concurrent streams to be admitted again`,
    );
  });

  it('tpm: the number admitted is what the reservation rule predicts (prompt estimate + max_tokens per request)', async () => {
    // docs/limits.md: each request reserves its estimated prompt tokens plus max_tokens in the token window.
    const perRequest = reservedTokens(DEFAULT_CHAT.content, DEFAULT_CHAT.maxTokens);
    const tpm = 10 * perRequest + perRequest - 1;
    const expectedAdmitted = Math.floor(tpm / perRequest);
    const tenant = await createActiveTenant(cluster, await createPlan(cluster, { limits: { tpm } }));
    const { key } = await createKey(cluster, tenant);
    await awaitRoomInWindow(MINUTE);

    const answers = await burst(cluster, key, 3 * expectedAdmitted);

    expect(statusCounts(answers)).toEqual({ 200: expectedAdmitted, 429: 2 * expectedAdmitted });
    const admitted = answers.filter((answer) => answer.status === 200);
    // The mock reports exactly the reserved tokens, so settlement (which replaces a reservation by the actual count)
    // gives nothing back mid-burst, and the count above is the reservation rule's alone.
    for (const answer of admitted) expect(answer.body.usage?.total_tokens).toBe(perRequest);
    expect(admitted.map((answer) => header(answer, 'x-ratelimit-remaining-tokens')).sort((a, b) => a - b)).toEqual(
      range(expectedAdmitted).map((k) => tpm - (expectedAdmitted - k) * perRequest),
    );
    for (const refused of answers.filter((answer) => answer.status === 429)) {
      expect(refused.body.error).toMatchObject({ code: 'rate_limit_exceeded', details: { level: 'tenant', limit: 'tpm' } });
      expect(header(refused, 'x-ratelimit-limit-tokens')).toBe(tpm);
      expect(header(refused, 'x-ratelimit-remaining-tokens')).toBe(tpm - expectedAdmitted * perRequest);
      expect(header(refused, 'Retry-After')).toBeGreaterThanOrEqual(1);
      expect(header(refused, 'Retry-After')).toBeLessThanOrEqual(MINUTE);
    }
  });
});

describe('tokens per hour are exact across gateway replicas', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await Cluster.start({ controlPlanes: 1, gateways: 2 });
  }, 180_000);

  afterAll(async () => {
    await cluster?.close();
  }, 60_000);

  it("tph at the plan and tighter at the key: the key's hour admits exactly what fits, refused with limit tph at level key", async () => {
    const perRequest = reservedTokens(DEFAULT_CHAT.content, DEFAULT_CHAT.maxTokens);
    const tph = 8 * perRequest + perRequest - 1;
    const expectedAdmitted = Math.floor(tph / perRequest);
    const tenant = await createActiveTenant(cluster, await createPlan(cluster, { limits: { tph: 100 * perRequest } }));
    const { key } = await createKey(cluster, tenant, { tph });
    await awaitRoomInWindow(HOUR);

    const startedSec = Math.floor(Date.now() / 1000);
    const answers = await burst(cluster, key, 3 * expectedAdmitted);
    const endedSec = Math.ceil(Date.now() / 1000);

    expect(statusCounts(answers)).toEqual({ 200: expectedAdmitted, 429: 2 * expectedAdmitted });
    const admitted = answers.filter((answer) => answer.status === 200);
    expect(admitted.map((answer) => header(answer, 'x-ratelimit-remaining-tokens')).sort((a, b) => a - b)).toEqual(
      range(expectedAdmitted).map((k) => tph - (expectedAdmitted - k) * perRequest),
    );
    // Retry-After counts down to the end of the hour, not of the minute.
    const hourEnd = (Math.floor(startedSec / HOUR) + 1) * HOUR;
    for (const refused of answers.filter((answer) => answer.status === 429)) {
      expect(refused.body.error).toMatchObject({ code: 'rate_limit_exceeded', details: { level: 'key', limit: 'tph' } });
      expect(header(refused, 'x-ratelimit-limit-tokens')).toBe(tph);
      expect(header(refused, 'Retry-After')).toBeGreaterThanOrEqual(Math.max(1, hourEnd - endedSec));
      expect(header(refused, 'Retry-After')).toBeLessThanOrEqual(hourEnd - startedSec + 1);
    }
  });
});

function header(answer: Answer, name: string): number {
  const value = answer.headers.get(name);
  if (value === null) throw new Error(`no ${name} header on a ${answer.status} answer`);
  return Number(value);
}

/** 0, 1, ... n - 1. */
function range(n: number): number[] {
  return Array.from({ length: n }, (_, index) => index);
}
