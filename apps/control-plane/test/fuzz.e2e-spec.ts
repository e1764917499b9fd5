import {
  FUZZ_SEED,
  fuzzRoute,
  fuzzTimeoutMs,
  mutatedRequest,
  mutationsOf,
  sendFuzzRequest,
  sweepOf,
  waitUntil,
  type FuzzedOperation,
  type Mutation,
} from '@sluice/testing';
import { startFakeStripe, type FakeStripe } from '@sluice/fake-stripe';
import fc from 'fast-check';
import { Client } from 'pg';
import { apiClient, login, TEST_PASSWORD, unique, type Call } from './api-client';
import { startControlPlane, type ControlPlaneUnderTest } from './control-plane-harness';
import { addMember, createActiveTenant } from './identity-fixture';
import { startMailCatcher, type MailCatcher } from './mail-support';

/**
 * Every operation of the control plane's own OpenAPI document, fuzzed: wrong
 * types, missing and unknown fields, huge and deeply nested values, NUL and
 * unpaired surrogates, out-of-range numbers, malformed path ids, hostile and
 * duplicated query parameters; as the platform admin, and sometimes
 * anonymously. Never a 5xx, every 4xx in the error shape, and a refused
 * request leaves every table as it was.
 */

const ADMIN_EMAIL = 'fuzz-root@sluice.test';
const RUNS_PER_OPERATION = 20;
/** `FUZZ_ONLY=<regex>` fuzzes only the operations whose `METHOD /path` matches (say, the routes a change added). */
const ONLY = process.env['FUZZ_ONLY'] ? new RegExp(process.env['FUZZ_ONLY']) : null;

const REFERENCE_FIELDS = /^(tenant|user|username|email|password|password_confirm)$/;
/** Tables whose rows change without a request (the projection relay drains its outbox; webhook deliveries are attempted in the background). */
const VOLATILE_TABLES = new Set(['projection_outbox', 'schema_migrations', 'integration_health', 'integration_records', 'webhook_outbox', 'webhook_deliveries', 'webhook_attempts']);
/** Tables whose rows jobs update after the request that added them (inbound events being processed): only their row count is compared. */
const JOB_UPDATED_TABLES = new Set(['integration_events']);

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  minLength?: number;
  $ref?: string;
  allOf?: Schema[];
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema?: Schema;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> } }>>;
  components: { schemas: Record<string, Schema> };
}

describe('control plane route fuzzing (OpenAPI-driven)', () => {
  let app: ControlPlaneUnderTest;
  let stripe: FakeStripe;
  let mail: MailCatcher;
  let call: Call;
  let database: Client;
  let document: OpenApiDocument;
  let admin: string;
  /** Path parameter and body reference values that exist, so hostile input reaches past the lookups. */
  let fixtures: Record<string, string>;

  beforeAll(async () => {
    // Billing against the local fake Stripe, so its routes are fuzzed past the "not configured" answer.
    stripe = await startFakeStripe();
    // Mail to the local catcher, so codes and invitations are fuzzed past the "not configured" answer.
    mail = await startMailCatcher();
    app = await startControlPlane({
      SMTP_URL: mail.smtpUrl,
      SLUICE_ADMIN_EMAIL: ADMIN_EMAIL,
      SLUICE_ADMIN_PASSWORD: TEST_PASSWORD,
      STRIPE_SECRET_KEY: 'sk_test_fuzz',
      STRIPE_API_BASE: stripe.url,
      STRIPE_WEBHOOK_SECRET: 'whsec_fuzz',
      // Webhook endpoints at the plausible URL below (nothing listens there: deliveries fail and retry in the background).
      WEBHOOK_ALLOWED_PRIVATE_CIDRS: '127.0.0.0/8',
    });
    call = apiClient(app.url);
    database = new Client({ connectionString: app.databaseUrl });
    await database.connect();
    admin = (await login(call, ADMIN_EMAIL)).access;
    document = (await call<OpenApiDocument>('GET', '/docs-json')).body;
    fixtures = await createFixtures();
  });
  afterAll(async () => {
    await database?.end();
    await app?.close();
    await stripe?.close();
    await mail?.close();
  });

  async function createFixtures(): Promise<Record<string, string>> {
    const tenant = await createActiveTenant(call, admin, unique('fuzz'));
    const member = await addMember(call, admin, tenant.id, `${unique('fuzz-member')}@example.com`, 'member');
    const team = await call<{ id: string }>('POST', '/api/teams/', { token: admin, body: { tenant: tenant.id, name: unique('team') } });
    const webhook = await call<{ id: string }>('POST', '/api/webhooks/', { token: admin, body: { tenant: tenant.id, url: 'http://127.0.0.1:9/hook', events: ['key.created'] } });
    const key = await call<{ id: string }>('POST', '/api/api-keys/', { token: admin, body: { tenant: tenant.id, name: unique('key') } });
    const token = await call<{ id: string }>('POST', '/api/auth/tokens/', { token: admin, body: { name: unique('pat') } });
    // An unsigned provider, so fuzzed webhook bodies are judged on their shape rather than refused for their signature.
    const provider = await call<{ id: string; name: string }>('POST', '/api/integrations/providers/', { token: admin, body: { tenant: tenant.id, name: unique('fuzz-partner'), api_base_url: 'http://127.0.0.1:9/api' } });
    const event = await call<{ id: string }>('POST', `/api/integrations/webhooks/${provider.body.name}/`, { body: { event_type: 'payment.succeeded', event_id: 'evt_fuzz', data: {} } });
    const sync = await call<{ id: string }>('POST', '/api/integrations/sync/trigger/', { token: admin, body: { provider: provider.body.id, sync_type: 'users' } });
    const invitation = await call<{ id: string }>('POST', '/api/tenant-users/', { token: admin, body: { tenant: tenant.id, email: `${unique('fuzz-invitee')}@example.com`, role: 'viewer' } });
    const first = async (path: string) => (await call<{ results?: Array<{ id: string }> } | Array<{ id: string }>>('GET', path, { token: admin })).body;
    const idOf = (list: { results?: Array<{ id: string }> } | Array<{ id: string }>) => (Array.isArray(list) ? list : (list.results ?? []))[0]?.id ?? '';
    // The key's key.created event becomes a delivery to the webhook fixture once the relay has fanned it out.
    await waitUntil(async () => idOf(await first(`/api/webhooks/${webhook.body.id}/deliveries/`)) !== '', 10_000, 'the webhook delivery fixture');
    return {
      tenant: tenant.slug,
      user: member.user,
      membership: member.id,
      team: team.body.id,
      api_key: key.body.id,
      personal_token: token.body.id,
      invitation: invitation.body.id,
      model: idOf(await first('/api/models/')),
      region: idOf(await first('/api/regions/')),
      plan: idOf(await first('/api/plans/')),
      integration_provider: provider.body.id,
      integration_service: provider.body.name,
      integration_event: event.body.id,
      integration_sync: sync.body.id,
      webhook: webhook.body.id,
      webhook_delivery: idOf(await first(`/api/webhooks/${webhook.body.id}/deliveries/`)),
    };
  }

  let snapshotQuery: string | undefined;
  /** Row count of every table, and its latest `updated_at` where it has one: a refused request must move neither. */
  async function snapshot(): Promise<string[]> {
    snapshotQuery ??= await buildSnapshotQuery();
    // Named, so PostgreSQL parses and plans the union of every table once rather than twice per request.
    return (await database.query<{ state: string }>({ name: 'fuzz-snapshot', text: snapshotQuery })).rows.map((row) => row.state);
  }

  async function buildSnapshotQuery(): Promise<string> {
    const { rows } = await database.query<{ table_name: string; has_updated_at: boolean }>(
      `SELECT table_name, bool_or(column_name = 'updated_at') AS has_updated_at
         FROM information_schema.columns WHERE table_schema = 'public' GROUP BY table_name ORDER BY table_name`,
    );
    return rows
      .filter(({ table_name }) => !VOLATILE_TABLES.has(table_name))
      .map(({ table_name, has_updated_at }) => `SELECT '${table_name}' || ':' || count(*) || ${has_updated_at && !JOB_UPDATED_TABLES.has(table_name) ? `':' || coalesce(max(updated_at)::text, '-')` : `''`} AS state FROM "${table_name}"`)
      .join(' UNION ALL ');
  }

  /** Every operation of the document with a JSON body or parameters, with a body it would accept. */
  function operations(): FuzzedOperation[] {
    const found: FuzzedOperation[] = [];
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const parameters = operation.parameters ?? [];
        const bodySchema = operation.requestBody?.content['application/json']?.schema;
        const schema = bodySchema ? resolve(bodySchema) : null;
        const op: FuzzedOperation = {
          method: method.toUpperCase(),
          path,
          pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
          queryParams: parameters.filter((p) => p.in === 'query').map((p) => p.name),
          body: schema ? () => plausibleBody(schema) : undefined,
          fields: schema ? fieldPaths(schema) : [],
          required: schema?.required ?? [],
        };
        if (op.body || op.pathParams.length > 0 || op.queryParams.length > 0) found.push(op);
      }
    }
    return found;
  }

  function resolve(schema: Schema): Schema {
    if (schema.$ref) return resolve(document.components.schemas[schema.$ref.split('/').pop() ?? ''] ?? {});
    if (schema.allOf) return Object.assign({}, ...schema.allOf.map(resolve), { ...schema, allOf: undefined }) as Schema;
    return schema;
  }

  /** The existing resource a path parameter names on this route. */
  function pathValue(op: FuzzedOperation, name: string): string {
    if (name === 'tenant') return fixtures['tenant'] ?? '';
    if (name === 'member') return fixtures['membership'] ?? '';
    if (name === 'service') return fixtures['integration_service'] ?? '';
    const integrationFixtures: Record<string, string> = { providers: 'integration_provider', events: 'integration_event', 'webhook-events': 'integration_event', 'data-sync': 'integration_sync' };
    const integration = /^\/api\/integrations\/(providers|events|webhook-events|data-sync)\//.exec(op.path)?.[1];
    if (integration) return fixtures[integrationFixtures[integration] ?? ''] ?? '';
    if (name === 'delivery') return fixtures['webhook_delivery'] ?? '';
    const resource = op.path.split('/')[2] ?? '';
    const byResource: Record<string, string> = {
      users: 'user',
      'tenant-users': 'membership',
      teams: 'team',
      models: 'model',
      regions: 'region',
      'api-keys': 'api_key',
      // An API key without a database: the private-key routes answer 404 past the id check.
      'private-ai-keys': 'api_key',
      plans: 'plan',
      auth: 'personal_token',
      webhooks: 'webhook',
      invitations: 'invitation',
    };
    return fixtures[byResource[resource] ?? ''] ?? '';
  }

  let counter = 0;
  /** A plausible value for a field, so that one hostile field is what a request gets refused for. */
  function plausible(name: string, schema: Schema): unknown {
    const resolved = resolve(schema);
    if (resolved.enum) return resolved.enum[0];
    const reference: Record<string, string | undefined> = { tenant: fixtures['tenant'], user: fixtures['user'], team: fixtures['team'], plan: fixtures['plan'], member: fixtures['membership'] };
    if (reference[name]) return reference[name];
    if (/password/.test(name)) return TEST_PASSWORD;
    if (/email|username/.test(name)) return `fuzz-${++counter}-${FUZZ_SEED}@example.com`;
    if (/url/.test(name)) return 'http://127.0.0.1:9/v1';
    switch (resolved.type) {
      case 'number':
      case 'integer':
        return Math.max(resolved.minimum ?? 1, 1);
      case 'boolean':
        return true;
      case 'array': {
        const items = resolved.items ? resolve(resolved.items) : null;
        return items?.properties || items?.enum ? [plausible(name, items)] : [];
      }
      case 'object':
        return resolved.properties ? plausibleBody(resolved) : {};
      default: {
        const candidate = `fuzz-${++counter}-${FUZZ_SEED % 1000}`;
        if (resolved.pattern && !new RegExp(resolved.pattern).test(candidate)) return `fuzz${counter}`;
        return candidate.padEnd(resolved.minLength ?? 0, 'x');
      }
    }
  }

  /** The required fields, and the optional ones that name what the body applies to (its tenant, user, email, password). */
  function plausibleBody(schema: Schema): Record<string, unknown> {
    const body: Record<string, unknown> = {};
    for (const [field, property] of Object.entries(schema.properties ?? {})) {
      if (schema.required?.includes(field) || REFERENCE_FIELDS.test(field)) body[field] = plausible(field, property);
    }
    return body;
  }

  /** Dotted paths of every field, nested objects and list items included (two levels). */
  function fieldPaths(schema: Schema, prefix: string[] = [], depth = 0): string[][] {
    const paths: string[][] = [];
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      const resolved = resolve(property);
      paths.push([...prefix, name]);
      if (depth >= 2) continue;
      if (resolved.properties) paths.push(...fieldPaths(resolved, [...prefix, name], depth + 1));
      const items = resolved.items ? resolve(resolved.items) : null;
      if (items?.properties) paths.push(...fieldPaths(items, [...prefix, name, '0'], depth + 1));
      else if (items) paths.push([...prefix, name, '0']);
    }
    return paths;
  }

  it(`answers every operation's hostile input with a 4xx in the error shape that changes nothing (seed ${FUZZ_SEED})`, async () => {
    const failures: string[] = [];
    // Deletions last, so the fixtures they may remove serve every other operation first.
    const ops = operations()
      .filter((op) => !ONLY || ONLY.test(`${op.method} ${op.path}`))
      .sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
    expect(ops.length).toBeGreaterThan(ONLY ? 0 : 40);
    for (const op of ops) {
      const failure = await fuzzRoute(
        {
          name: `${op.method} ${op.path}`,
          inputs: fc.tuple(mutationsOf(op), fc.nat(4).map((n) => n === 0)),
          examples: sweepOf(op).map((mutation): [Mutation, boolean] => [mutation, false]),
          toRequest: ([mutation, anonymous]) =>
            mutatedRequest(op, mutation, { token: anonymous ? null : admin, pathValue: (name) => pathValue(op, name), trailingSlash: true }),
          send: (request) => sendFuzzRequest(app.url, request),
          snapshot,
        },
        RUNS_PER_OPERATION,
      );
      if (failure) {
        failures.push(failure);
        console.error(failure);
      }
    }
    expect(failures).toEqual([]);
    // What the accepted requests stored (odd but well-formed text) reads back the way it was hashed.
    const verify = await call<{ chain_valid: boolean }>('GET', '/api/audit/verify/', { token: admin });
    expect(verify.body.chain_valid).toBe(true);
  }, fuzzTimeoutMs(180_000));

  it('refuses what the fuzzer found answered 500: a second identifier sent next to the first went unvalidated', async () => {
    const login = await call('POST', '/api/auth/token/', { body: { username: ADMIN_EMAIL, email: 1e21, password: TEST_PASSWORD } });
    expect(login.status).toBe(400);
    expect(login.body).toEqual({ error: expect.objectContaining({ code: 'validation_error', param: 'email' }) });
    const membership = await call('POST', '/api/tenant-users/', {
      token: admin,
      body: { tenant: fixtures['tenant'], user: 1e21, email: 'someone@example.com', role: 'viewer' },
    });
    expect(membership.status).toBe(400);
    expect(membership.body).toEqual({ error: expect.objectContaining({ code: 'validation_error', param: 'user' }) });
  });

  it('refuses an amount JavaScript writes in exponent form (1e-7), where class-validator’s decimal check threw', async () => {
    const topUp = await call('POST', `/api/tenants/${fixtures['tenant']}/credits/`, { token: admin, body: { amount_usd: 1e-7, reason: 'fuzz' } });
    expect(topUp.status).toBe(400);
    expect(topUp.body).toEqual({ error: expect.objectContaining({ code: 'validation_error', param: 'amount_usd' }) });
  });
});
