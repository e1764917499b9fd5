import { RedisKeys, type TenantRecordV1 } from '@sluice/contracts';
import { startMockProvider, type MockProvider } from '@sluice/mock-provider';
import {
  FUZZ_SEED,
  fuzzRoute,
  fuzzTimeoutMs,
  HOSTILE_JSON,
  mutatedRequest,
  mutationsOf,
  sendFuzzRequest,
  sweepOf,
  TEST_REDIS_URL,
  waitUntil,
  type FuzzedOperation,
  type FuzzRequest,
  type Hostile,
  type Mutation,
} from '@sluice/testing';
import fc from 'fast-check';
import Redis from 'ioredis';
import { FUZZED_ROUTES, type FuzzedRoute } from './fuzz-routes';
import { GatewayFixtures, MOCK_CREDENTIAL_ENV, MOCK_CREDENTIAL_VALUE, mockDeployment, mockModel } from './gateway-fixtures';
import { startGateway, type GatewayUnderTest } from './gateway-harness';

/**
 * Every route of the gateway (listed in fuzz-routes.ts, checked against what
 * the app serves), fuzzed with the same hostile values as the control plane:
 * never a 5xx, every 4xx in the error shape, and a refused request is neither
 * admitted nor metered (the gateway's Redis state is as it was).
 */

const RUNS_PER_ROUTE = 30;
/** The operator's telemetry in Redis (`OperatorRedisKeys`): gateway heartbeats, error counts. */
const OPERATOR_KEYS = 'ops:v1:';

describe('gateway route fuzzing', () => {
  let mock: MockProvider;
  let gateway: GatewayUnderTest;
  let fixtures: GatewayFixtures;
  let redis: Redis;
  let tenant: TenantRecordV1;
  let secret: string;
  let usageLength = 0;

  beforeAll(async () => {
    mock = await startMockProvider();
    gateway = await startGateway({ [MOCK_CREDENTIAL_ENV]: MOCK_CREDENTIAL_VALUE });
    fixtures = new GatewayFixtures(gateway.redisKeyPrefix);
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    await fixtures.catalog([mockModel('mock-chat', [mockDeployment('mock-chat/0', mock.url, 'mock-fast')])]);
    tenant = await fixtures.tenant({ limits: { rpm: 1_000_000 } });
    secret = (await fixtures.apiKey(tenant, { scopes: ['inference', 'read'] })).secret;
  });
  afterAll(async () => {
    redis?.disconnect();
    await fixtures?.close();
    await gateway?.close();
    await mock?.close();
  });

  /**
   * Every key under the gateway's prefix with its content: admission counters, holds, the usage stream. The
   * operator's telemetry is left out: heartbeats change on their own, and counting a refusal is what the error
   * counts are for (docs/operations.md, Error counts).
   */
  async function snapshot(): Promise<string[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${gateway.redisKeyPrefix}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
    const states: string[] = [];
    for (const key of keys.sort()) {
      const name = key.slice(gateway.redisKeyPrefix.length);
      if (name.startsWith(OPERATOR_KEYS)) continue;
      const state = await keyState(key);
      // A key that expired while being read (a rate window's) is simply gone.
      if (state !== null) states.push(`${name}${state}`);
    }
    usageLength = Number(await redis.xlen(`${gateway.redisKeyPrefix}${RedisKeys.usageStream()}`));
    return states;
  }

  async function keyState(key: string): Promise<string | null> {
    switch (await redis.type(key)) {
      case 'none':
        return null;
      case 'string': {
        const value = await redis.get(key);
        return value === null ? null : `=${value}`;
      }
      case 'hash': {
        const entries = Object.entries(await redis.hgetall(key)).sort();
        return entries.length === 0 ? null : `=${JSON.stringify(entries)}`;
      }
      case 'stream':
        return `:${await redis.xlen(key)}`;
      case 'zset':
        return `:${(await redis.zrange(key, 0, -1, 'WITHSCORES')).join(',')}`;
      default:
        return `:${await redis.type(key)}`;
    }
  }

  /** An answered inference request is settled after the answer: wait for its usage event before the next snapshot. */
  async function settled(request: FuzzRequest): Promise<void> {
    if (request.method !== 'POST') return;
    const stream = `${gateway.redisKeyPrefix}${RedisKeys.usageStream()}`;
    await waitUntil(async () => Number(await redis.xlen(stream)) > usageLength, 5_000, 'the usage event of an answered request');
    // Settlement writes its counters, then the event: let the last writes of the same settlement land.
    await new Promise((resolve) => setTimeout(resolve, 20));
  }

  function operationOf(route: FuzzedRoute): FuzzedOperation {
    const body = route.body ? (JSON.parse(JSON.stringify(route.body.valid).replace('{model}', 'mock-chat')) as Record<string, unknown>) : undefined;
    return {
      method: route.method,
      path: route.path,
      pathParams: [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string),
      queryParams: route.queryParams,
      body: body && (() => body),
      fields: [...Object.keys(body ?? {}), ...(route.body?.fields ?? [])].map((field) => field.split('.')),
      required: route.body?.required ?? [],
    };
  }

  /** The shared sweep, plus the gateway's own breakers: absurd sampling numbers, deep metadata, a surrogate in the prompt. */
  function sweep(operation: FuzzedOperation): Mutation[] {
    const sweep = sweepOf(operation);
    if (operation.body) {
      for (const field of ['max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'top_k', 'n']) sweep.push({ kind: 'field', path: [field], value: HOSTILE_JSON.numbers[0] as Hostile });
      sweep.push({ kind: 'field', path: ['metadata'], value: HOSTILE_JSON.deep[1] as Hostile });
      sweep.push({ kind: 'field', path: ['messages', '0', 'content'], value: HOSTILE_JSON.illFormed[2] as Hostile });
    }
    return sweep;
  }

  it('lists every route the gateway serves', () => {
    const served = servedRoutes(gateway.app.getHttpAdapter().getInstance().printRoutes({ commonPrefix: false }));
    expect(served.sort()).toEqual(FUZZED_ROUTES.map((route) => `${route.method} ${route.path}`).sort());
  });

  it(`answers every route's hostile input with a 4xx in the error shape that is neither admitted nor metered (seed ${FUZZ_SEED})`, async () => {
    const failures: string[] = [];
    for (const route of FUZZED_ROUTES) {
      const operation = operationOf(route);
      const failure = await fuzzRoute(
        {
          name: `${route.method} ${route.path}`,
          inputs: fc.tuple(mutationsOf(operation), fc.nat(5).map((n) => n === 0)),
          examples: sweep(operation).map((mutation): [Mutation, boolean] => [mutation, false]),
          toRequest: ([mutation, anonymous]) =>
            mutatedRequest(operation, mutation, { token: anonymous ? null : secret, pathValue: (name) => (name === 'tenantId' ? tenant.id : 'mock-chat') }),
          send: (request) => sendFuzzRequest(gateway.url, request),
          snapshot,
          settled,
        },
        route.body ? RUNS_PER_ROUTE : RUNS_PER_ROUTE / 3,
      );
      if (failure) {
        failures.push(failure);
        console.error(failure);
      }
    }
    expect(failures).toEqual([]);
  }, fuzzTimeoutMs(60_000));
});

/** `METHOD /path/{param}` for each route of Fastify's route tree (`printRoutes({ commonPrefix: false })`), HEAD left out. */
function servedRoutes(tree: string): string[] {
  const routes: string[] = [];
  const prefixes: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+)(?: \(([A-Z, ]+)\))?/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    prefixes.length = depth;
    const path = `${prefixes.join('')}${match[2]}`.replace(/:(\w+)/g, '{$1}');
    prefixes.push(match[2] ?? '');
    for (const method of (match[3] ?? '').split(', ')) if (method && method !== 'HEAD') routes.push(`${method} ${path}`);
  }
  return routes;
}
