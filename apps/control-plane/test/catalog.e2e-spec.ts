import { parseProjectionRecord, RedisKeys, type CatalogRecordV1 } from '@sluice/contracts';
import { expectErrorShape, waitUntil } from '@sluice/testing';
import { unique, type Call } from './api-client';
import { startIdentityWorld, type IdentityWorld } from './identity-fixture';
import { ProjectionProbe } from './projection-client';

const deployment = (overrides: Record<string, unknown> = {}) => ({ provider: 'mock', base_url: 'http://127.0.0.1:9100', upstream_model: 'mock-fast', weight: 1, region: 'local', ...overrides });
const model = (id: string, overrides: Record<string, unknown> = {}) => ({
  id,
  provider: 'mock',
  deployments: [deployment()],
  pricing: { input_per_mtok_usd: 1, output_per_mtok_usd: 2 },
  context_window: 8192,
  max_output_tokens: 1024,
  sandbox: true,
  ...overrides,
});

describe('model catalog and regions', () => {
  let world: IdentityWorld;
  let probe: ProjectionProbe;
  let admin: Call;

  beforeAll(async () => {
    world = await startIdentityWorld();
    probe = new ProjectionProbe(world.app.redisKeyPrefix);
    admin = (method, path, options = {}) => world.call(method, path, { token: world.tokens.platform_admin, ...options });
  });
  afterAll(async () => {
    probe?.close();
    await world?.app.close();
  });

  const catalogRecord = async () => parseProjectionRecord<CatalogRecordV1>(await probe.redis.get(RedisKeys.catalog()));

  it('is bootstrapped from catalog/catalog.json: real providers by credential name, mock models as sandbox', async () => {
    const list = await world.call<{ count: number; results: Array<{ id: string; provider: string; sandbox: boolean; deployments: Array<{ credential_env: string | null; base_url: string }> }> }>(
      'GET',
      '/api/models/?page_size=200',
      { token: world.tokens.viewer },
    );
    expect(list.status).toBe(200);
    const byId = new Map(list.body.results.map((entry) => [entry.id, entry]));
    expect(byId.get('gpt-4o')?.deployments[0].credential_env).toBe('OPENAI_API_KEY');
    expect(byId.get('claude-3-5-sonnet')?.deployments[0].credential_env).toBe('ANTHROPIC_API_KEY');
    expect(byId.get('mock-fast')).toEqual(expect.objectContaining({ provider: 'mock', sandbox: true }));
    expect(byId.get('mock-fast')?.deployments[0].base_url).toBe('http://127.0.0.1:9100');
    expect((await world.call('GET', '/api/models/?sandbox=true', { token: world.tokens.member })).body).toEqual(expect.objectContaining({ count: 2 }));
    expect((await world.call('GET', '/api/models/mock-fast/', { token: world.tokens.outsider })).status).toBe(200);
    expect((await world.call('GET', '/api/models/claude-3-5-sonnet-latest/', { token: world.tokens.member })).body).toEqual(expect.objectContaining({ id: 'claude-3-5-sonnet' }));
    expect((await world.call('GET', '/api/models/')).status).toBe(401);
    const regions = await world.call<Array<{ id: string }>>('GET', '/api/regions/', { token: world.tokens.viewer });
    expect(regions.body.map((region) => region.id)).toEqual(expect.arrayContaining(['us-east', 'eu-west', 'local']));
  });

  it('platform admins create, update and delete models; the catalog record follows', async () => {
    const id = unique('model');
    const created = await admin('POST', '/api/models/', { body: model(id, { fallbacks: ['mock-fast'] }) });
    expect(created.status).toBe(201);
    await waitUntil(async () => (await catalogRecord())?.models.some((entry) => entry.id === id) ?? false, 1_000, 'model in catalog record');
    const revision = (await catalogRecord())?.revision;
    expect((await admin('PATCH', `/api/models/${id}/`, { body: { enabled: false } })).body).toEqual(expect.objectContaining({ enabled: false }));
    await waitUntil(async () => (await catalogRecord())?.models.find((entry) => entry.id === id)?.enabled === false, 1_000, 'updated record');
    expect((await catalogRecord())?.revision).not.toBe(revision);
    expect((await admin('DELETE', `/api/models/${id}/`)).status).toBe(204);
    await waitUntil(async () => !(await catalogRecord())?.models.some((entry) => entry.id === id), 1_000, 'model removed from the record');
    expect((await admin('GET', `/api/models/${id}/`)).status).toBe(404);
  });

  it.each(['owner', 'admin', 'member', 'viewer'] as const)('a tenant %s cannot change the catalog (403)', async (persona) => {
    const response = await world.call('POST', '/api/models/', { token: world.tokens[persona], body: model(unique('model')) });
    expect(response.status).toBe(403);
    expectErrorShape(response.body, 'forbidden');
    expect((await world.call('PATCH', '/api/models/mock-fast/', { token: world.tokens[persona], body: { enabled: false } })).status).toBe(403);
    expect((await world.call('POST', '/api/regions/', { token: world.tokens[persona], body: { id: 'x-1', name: 'X' } })).status).toBe(403);
  });

  describe('validation → 400 with field details', () => {
    it.each([
      ['an unknown fallback', model('bad-a', { fallbacks: ['no-such-model'] }), 'fallbacks'],
      ['a self fallback', model('bad-b', { fallbacks: ['bad-b'] }), 'fallbacks'],
      ['a zero weight', model('bad-c', { deployments: [deployment({ weight: 0 })] }), 'deployments.0.weight'],
      ['a negative weight', model('bad-d', { deployments: [deployment({ weight: -1 })] }), 'deployments.0.weight'],
      ['an unknown provider', model('bad-e', { provider: 'acme' }), 'provider'],
      ['no deployments', model('bad-f', { deployments: [] }), 'deployments'],
      ['an unknown region', model('bad-g', { deployments: [deployment({ region: 'mars-1' })] }), 'deployments.0.region'],
      ['a credential instead of its name', model('bad-h', { deployments: [deployment({ credential_env: 'sk-live-abc' })] }), 'deployments.0.credential_env'],
      ['an alias of another model', model('bad-i', { aliases: ['mock-fast'] }), 'aliases'],
      ['a negative price', model('bad-j', { pricing: { input_per_mtok_usd: -1, output_per_mtok_usd: 1 } }), 'pricing.input_per_mtok_usd'],
      ['an unknown field', model('bad-k', { api_key: 'sk-123' }), 'api_key'],
      ['a credential variable outside PROVIDER_CREDENTIAL_ENVS (the JWT secret)', model('bad-l', { deployments: [deployment({ credential_env: 'JWT_SECRET' })] }), 'deployments.0.credential_env'],
      [
        'plain http to a provider (cloud metadata)',
        model('bad-m', { provider: 'openai', sandbox: false, deployments: [deployment({ provider: 'openai', base_url: 'http://169.254.169.254/latest', credential_env: 'OPENAI_API_KEY' })] }),
        'deployments.0.base_url',
      ],
    ])('%s', async (_what, body, field) => {
      const response = await admin<{ error: { details: Record<string, string[]> } }>('POST', '/api/models/', { body });
      expect(response.status).toBe(400);
      expectErrorShape(response.body, 'validation_error');
      expect(Object.keys(response.body.error.details)).toContain(field);
      expect((await admin('GET', `/api/models/${String(body['id'])}/`)).status).toBe(404);
    });

    it('refuses pointing an existing model’s credential at the JWT secret, and leaves it as it was', async () => {
      const response = await admin<{ error: { details: Record<string, string[]> } }>('PATCH', '/api/models/gpt-4o/', {
        body: { deployments: [{ provider: 'openai', base_url: 'https://attacker.example/v1', upstream_model: 'gpt-4o', credential_env: 'JWT_SECRET' }] },
      });
      expect(response.status).toBe(400);
      expectErrorShape(response.body, 'validation_error');
      expect(response.body.error.details['deployments.0.credential_env']).toEqual([expect.stringContaining('JWT_SECRET is not a provider credential variable')]);
      const current = await admin<{ deployments: Array<{ base_url: string; credential_env: string | null }> }>('GET', '/api/models/gpt-4o/');
      expect(current.body.deployments[0]).toMatchObject({ base_url: 'https://api.openai.com/v1', credential_env: 'OPENAI_API_KEY' });
    });

    it('refuses a fallback cycle, and deleting a model that is a fallback (409)', async () => {
      const a = unique('cycle-a');
      const b = unique('cycle-b');
      expect((await admin('POST', '/api/models/', { body: model(a) })).status).toBe(201);
      expect((await admin('POST', '/api/models/', { body: model(b, { fallbacks: [a] }) })).status).toBe(201);
      const cycle = await admin<{ error: { details: Record<string, string[]> } }>('PATCH', `/api/models/${a}/`, { body: { fallbacks: [b] } });
      expect(cycle.status).toBe(400);
      expect(cycle.body.error.details['fallbacks'][0]).toContain('cycle');
      const remove = await admin('DELETE', `/api/models/${a}/`);
      expect(remove.status).toBe(409);
      expectErrorShape(remove.body, 'conflict');
    });

    it('refuses a duplicate model id (409)', async () => {
      const response = await admin('POST', '/api/models/', { body: model('mock-fast') });
      expect(response.status).toBe(409);
    });
  });

  it('regions: create, rename (PUT or PATCH), refuse deleting one in use, delete an unused one', async () => {
    const id = `r-${Date.now().toString(36)}`;
    expect((await admin('POST', '/api/regions/', { body: { id, name: 'Test region' } })).status).toBe(201);
    expect((await admin('PUT', `/api/regions/${id}/`, { body: { name: 'Renamed' } })).body).toEqual(expect.objectContaining({ name: 'Renamed', is_active: true }));
    expect((await admin('PATCH', `/api/regions/${id}/`, { body: { is_active: false } })).body).toEqual(expect.objectContaining({ is_active: false }));
    expect((await admin('DELETE', '/api/regions/local/')).status).toBe(409);
    expect((await admin('DELETE', `/api/regions/${id}/`)).status).toBe(204);
    expect((await admin('GET', `/api/regions/${id}/`)).status).toBe(404);
    const bad = await admin('POST', '/api/regions/', { body: { id: 'Not A Slug', name: 'x' } });
    expect(bad.status).toBe(400);
    expectErrorShape(bad.body, 'validation_error');
  });

  it('catalog changes are audited on the platform chain', async () => {
    const id = unique('audited');
    await admin('POST', '/api/models/', { body: model(id) });
    const events = await admin<{ results: Array<{ event_type: string; resource_id: string }> }>('GET', `/api/audit/events/?resource_type=model&resource_id=${id}`);
    expect(events.status).toBe(200);
    expect(events.body.results.map((event) => event.event_type)).toContain('model.created');
  });
});
