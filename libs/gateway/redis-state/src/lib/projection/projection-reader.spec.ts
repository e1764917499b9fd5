import { randomUUID } from 'node:crypto';
import Redis, { Cluster, type RedisKey, type RedisOptions } from 'ioredis';
import { hashApiKey, generateApiKey } from '@sluice/auth';
import { RedisKeys, type ApiKeyRecordV1, type CatalogRecordV1, type TenantRecordV1 } from '@sluice/contracts';
import { apiKeyRecord, deleteKeysWithPrefix, DisposableRedisServer, tenantRecord, TEST_REDIS_URL, uniqueKeyPrefix, waitUntil } from '@sluice/testing';
import { ProjectionReader } from './projection-reader';
import { ProjectionUnavailableError } from './projection-unavailable.error';
import { publishInvalidation, writeProjectionRecord } from '@sluice/projection';

const PROPAGATION_DEADLINE_MS = 1_000;

/** Like the apps' client: reconnects forever, and a command fails after one reconnection attempt. */
function connect(url: string, keyPrefix: string, overrides: RedisOptions = {}): Redis {
  const client = new Redis(url, {
    keyPrefix,
    maxRetriesPerRequest: 1,
    retryStrategy: () => 50,
    disconnectTimeout: 100,
    ...overrides,
  });
  client.on('error', () => undefined);
  return client;
}

function keyRecord(overrides: Partial<ApiKeyRecordV1> = {}): ApiKeyRecordV1 {
  return apiKeyRecord(randomUUID(), overrides);
}

function tenantOf(overrides: Partial<TenantRecordV1> = {}): TenantRecordV1 {
  return tenantRecord({ slug: 'acme-corp', billing_mode: 'prepaid', limits: { rpm: 60 }, period_end: '2026-12-01T00:00:00.000Z', ...overrides });
}

function catalogRecord(revision: string): CatalogRecordV1 {
  return { v: 1, revision, models: [] };
}

/** Counts the GETs a client sends, by wrapping the one method every command goes through. */
function countGets(client: Redis): () => number {
  const spy = jest.spyOn(client, 'sendCommand');
  return () => spy.mock.calls.filter(([command]) => command.name === 'get').length;
}

async function closeAll(...clients: Redis[]): Promise<void> {
  for (const client of clients) {
    if (client.status === 'ready') await client.quit();
    else client.disconnect();
  }
}

describe('ProjectionReader (shared Redis)', () => {
  let prefix: string;
  let redis: Redis;
  let writer: Redis;
  let reader: ProjectionReader;

  beforeEach(async () => {
    prefix = uniqueKeyPrefix();
    redis = connect(TEST_REDIS_URL, prefix);
    writer = connect(TEST_REDIS_URL, prefix);
    reader = new ProjectionReader({ redis, ttlMs: 60_000 });
    await waitUntil(() => reader.ready, 5_000, 'the reader to subscribe');
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await reader.close();
    await closeAll(redis, writer);
    await deleteKeysWithPrefix(prefix);
  });

  it('reads records by key hash, tenant id and catalog, and null for absent ones', async () => {
    const { secret } = generateApiKey('live');
    const key = keyRecord();
    const tenant = tenantOf({ id: key.tenant_id });
    await writeProjectionRecord(writer, prefix, { kind: 'api_key', id: hashApiKey(secret) }, key);
    await writeProjectionRecord(writer, prefix, { kind: 'tenant', id: tenant.id }, tenant);
    await writeProjectionRecord(writer, prefix, { kind: 'catalog' }, catalogRecord('r1'));

    expect(await reader.getApiKey(hashApiKey(secret))).toEqual(key);
    expect(await reader.getTenant(tenant.id)).toEqual(tenant);
    expect(await reader.getCatalog()).toEqual(catalogRecord('r1'));
    expect(await reader.getApiKey(hashApiKey(generateApiKey('live').secret))).toBeNull();
    expect(await reader.getTenant(randomUUID())).toBeNull();
  });

  it('treats a record of an unknown version as absent', async () => {
    const tenantId = randomUUID();
    await writer.set(RedisKeys.tenant(tenantId), JSON.stringify({ v: 2, id: tenantId }));
    expect(await reader.getTenant(tenantId)).toBeNull();
  });

  it('serves cached records, present and absent, without a Redis round trip', async () => {
    const tenant = tenantOf();
    await writeProjectionRecord(writer, prefix, { kind: 'tenant', id: tenant.id }, tenant);
    const gets = countGets(redis);

    for (let i = 0; i < 5; i++) expect(await reader.getTenant(tenant.id)).toEqual(tenant);
    for (let i = 0; i < 5; i++) expect(await reader.getApiKey('f'.repeat(64))).toBeNull();

    expect(gets()).toBe(2);
    expect(reader.cachedEntries).toBe(2);
  });

  it('coalesces concurrent lookups of the same missing entry into one GET', async () => {
    const gets = countGets(redis);
    const hash = hashApiKey(generateApiKey('live').secret);

    const results = await Promise.all(Array.from({ length: 20 }, () => reader.getApiKey(hash)));

    expect(results).toEqual(Array.from({ length: 20 }, () => null));
    expect(gets()).toBe(1);
  });

  it('sees a changed record within 1 s of its invalidation', async () => {
    const tenant = tenantOf();
    await writeProjectionRecord(writer, prefix, { kind: 'tenant', id: tenant.id }, tenant);
    expect((await reader.getTenant(tenant.id))?.status).toBe('active');

    await writeProjectionRecord(writer, prefix, { kind: 'tenant', id: tenant.id }, { ...tenant, status: 'suspended', status_reason: 'Payment overdue' });

    await waitUntil(async () => (await reader.getTenant(tenant.id))?.status === 'suspended', PROPAGATION_DEADLINE_MS, 'the suspension');
  });

  it('makes a key created after a negative lookup usable once its invalidation arrives', async () => {
    const hash = hashApiKey(generateApiKey('live').secret);
    expect(await reader.getApiKey(hash)).toBeNull();
    // Written without a message: the negative entry is what the reader keeps serving.
    await writer.set(RedisKeys.apiKey(hash), JSON.stringify(keyRecord()));
    expect(await reader.getApiKey(hash)).toBeNull();

    await publishInvalidation(writer, prefix, { v: 1, kind: 'api_key', id: hash });

    await waitUntil(async () => (await reader.getApiKey(hash)) !== null, PROPAGATION_DEADLINE_MS, 'the new key');
  });

  it('reads a deleted record as absent once its invalidation arrives', async () => {
    const hash = hashApiKey(generateApiKey('test').secret);
    await writeProjectionRecord(writer, prefix, { kind: 'api_key', id: hash }, keyRecord({ environment: 'test' }));
    expect(await reader.getApiKey(hash)).not.toBeNull();

    await writeProjectionRecord(writer, prefix, { kind: 'api_key', id: hash }, null);

    await waitUntil(async () => (await reader.getApiKey(hash)) === null, PROPAGATION_DEADLINE_MS, 'the deletion');
  });

  it('drops the catalog on a catalog message and everything on an all message', async () => {
    const tenant = tenantOf();
    await writeProjectionRecord(writer, prefix, { kind: 'tenant', id: tenant.id }, tenant);
    await writeProjectionRecord(writer, prefix, { kind: 'catalog' }, catalogRecord('r1'));
    await reader.getTenant(tenant.id);
    await reader.getCatalog();

    await writeProjectionRecord(writer, prefix, { kind: 'catalog' }, catalogRecord('r2'));
    await waitUntil(async () => (await reader.getCatalog())?.revision === 'r2', PROPAGATION_DEADLINE_MS, 'catalog r2');

    await writer.set(RedisKeys.tenant(tenant.id), JSON.stringify({ ...tenant, slug: 'renamed' }));
    await writer.set(RedisKeys.catalog(), JSON.stringify(catalogRecord('r3')));
    await publishInvalidation(writer, prefix, { v: 1, kind: 'all' });
    await waitUntil(async () => (await reader.getTenant(tenant.id))?.slug === 'renamed', PROPAGATION_DEADLINE_MS, 'the renamed tenant');
    expect((await reader.getCatalog())?.revision).toBe('r3');
  });

  it('does not cache an answer that an invalidation overtook', async () => {
    const hash = hashApiKey(generateApiKey('live').secret);
    const record = keyRecord();
    await writeProjectionRecord(writer, prefix, { kind: 'api_key', id: hash }, record);
    const realGet = redis.get.bind(redis);
    const invalidationsBefore = reader.invalidations;
    // The GET is answered with the old record, but its answer is delivered only after the
    // revocation and its message have gone through: the order a slow reply can produce.
    jest.spyOn(redis, 'get').mockImplementationOnce(async (key: RedisKey) => {
      const old = await realGet(key);
      await writeProjectionRecord(writer, prefix, { kind: 'api_key', id: hash }, { ...record, status: 'revoked' });
      await waitUntil(() => reader.invalidations > invalidationsBefore, PROPAGATION_DEADLINE_MS, 'the revocation message');
      return old;
    });

    expect((await reader.getApiKey(hash))?.status).toBe('active');
    expect((await reader.getApiKey(hash))?.status).toBe('revoked');
  });

  it('connects its own subscriber even when the command connection is lazy', async () => {
    const lazy = connect(TEST_REDIS_URL, prefix, { lazyConnect: true });
    const lazyReader = new ProjectionReader({ redis: lazy });
    await waitUntil(() => lazyReader.ready, 5_000, 'the lazy reader to subscribe');
    await lazyReader.close();
    await closeAll(lazy);
  });

  it('refuses a Redis Cluster client as subscriber, or as its only connection: its resubscriptions on another node emit nothing', () => {
    const cluster = new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true });
    expect(() => new ProjectionReader({ redis, subscriber: cluster as unknown as Redis })).toThrow(/resubscribes on another node silently/);
    expect(() => new ProjectionReader({ redis: cluster as unknown as Redis })).toThrow(/createSubscriberClient/);
    cluster.disconnect();
  });

  it('stops being ready when closed', async () => {
    expect(reader.ready).toBe(true);
    await reader.close();
    expect(reader.ready).toBe(false);
  });
});

describe('ProjectionReader across Redis outages', () => {
  let server: DisposableRedisServer;
  let redis: Redis;
  let writer: Redis;
  const prefix = 'sluice:';

  beforeEach(async () => {
    server = await DisposableRedisServer.start();
    redis = connect(server.url, prefix);
    writer = connect(server.url, prefix);
  });

  afterEach(async () => {
    await closeAll(redis, writer);
    await server.stop();
  });

  async function startReader(ttlMs: number): Promise<ProjectionReader> {
    const reader = new ProjectionReader({ redis, ttlMs });
    await waitUntil(() => reader.ready, 5_000, 'the reader to subscribe');
    return reader;
  }

  it('throws ProjectionUnavailableError for an uncached record while Redis is down', async () => {
    const reader = await startReader(60_000);
    await server.stop();

    await expect(reader.getApiKey('a'.repeat(64))).rejects.toBeInstanceOf(ProjectionUnavailableError);
    await expect(reader.getTenant(randomUUID())).rejects.toMatchObject({ code: 'service_unavailable' });
    await waitUntil(() => !reader.ready, 5_000, 'the reader to notice the outage');
    await reader.close();
  });

  it('serves a fresh entry during an outage but fails closed once it is older than the TTL', async () => {
    const tenant = tenantOf();
    await writeProjectionRecord(writer, prefix, { kind: 'tenant', id: tenant.id }, tenant);
    const reader = await startReader(300);
    expect(await reader.getTenant(tenant.id)).toEqual(tenant);
    await server.stop();

    expect(await reader.getTenant(tenant.id)).toEqual(tenant);
    await waitUntil(
      () => reader.getTenant(tenant.id).then(() => false, (error: unknown) => error instanceof ProjectionUnavailableError),
      5_000,
      'the stale entry to be refused',
    );
    await reader.close();
  });

  it('drops its cache when only its subscription was cut, Redis staying up (the rule a moved cluster subscriber relies on)', async () => {
    const tenant = tenantOf();
    await writeProjectionRecord(writer, prefix, { kind: 'tenant', id: tenant.id }, tenant);
    const subscriber = connect(server.url, '', { connectionName: 'reader-under-test', autoResubscribe: false });
    const reader = new ProjectionReader({ redis, subscriber, ttlMs: 60_000 });
    await waitUntil(() => reader.ready, 5_000, 'the reader to subscribe');
    expect(await reader.getTenant(tenant.id)).toEqual(tenant);
    let readies = 0;
    subscriber.on('ready', () => readies++);

    await writer.client('KILL', 'TYPE', 'pubsub');
    // Written with no message while the subscription was down.
    await writer.set(RedisKeys.tenant(tenant.id), JSON.stringify({ ...tenant, status: 'suspended' }));
    await waitUntil(() => readies === 1 && reader.ready, 5_000, 'the subscriber to reconnect and subscribe');

    await waitUntil(async () => (await reader.getTenant(tenant.id))?.status === 'suspended', PROPAGATION_DEADLINE_MS, 'the suspension');
    await reader.close();
  });

  it('drops its cache and resubscribes after Redis restarts, so changes made meanwhile are seen', async () => {
    const tenant = tenantOf();
    const hash = hashApiKey(generateApiKey('live').secret);
    await writeProjectionRecord(writer, prefix, { kind: 'tenant', id: tenant.id }, tenant);
    const reader = await startReader(60_000);
    expect(await reader.getTenant(tenant.id)).toEqual(tenant);
    expect(await reader.getApiKey(hash)).toBeNull();

    await server.stop();
    await server.start();
    await waitUntil(() => writer.status === 'ready', 5_000, 'the writer to reconnect');
    // Written with no message, as if it had been published while the reader was disconnected.
    await writer.set(RedisKeys.tenant(tenant.id), JSON.stringify({ ...tenant, status: 'suspended' }));
    await writer.set(RedisKeys.apiKey(hash), JSON.stringify(keyRecord({ tenant_id: tenant.id })));

    await waitUntil(async () => (await reader.getTenant(tenant.id))?.status === 'suspended', 5_000, 'the suspension');
    expect(await reader.getApiKey(hash)).not.toBeNull();
    expect(reader.ready).toBe(true);

    // Subscribed again: a message now reaches it.
    await writeProjectionRecord(writer, prefix, { kind: 'tenant', id: tenant.id }, { ...tenant, status: 'active' });
    await waitUntil(async () => (await reader.getTenant(tenant.id))?.status === 'active', PROPAGATION_DEADLINE_MS, 'the restoration');
    await reader.close();
  });
});
