import {
  FUZZ_SEED,
  fuzzRoute,
  fuzzTimeoutMs,
  HOSTILE_JSON,
  HOSTILE_URL_PARTS,
  hostileJson,
  hostileUrlPart,
  jsonWith,
  jsonWithout,
  sendFuzzRequest,
  type FuzzRequest,
  type Hostile,
} from '@sluice/testing';
import fc from 'fast-check';
import { Client } from 'pg';
import { apiClient, login, TEST_PASSWORD, unique, type Call } from './api-client';
import { startControlPlane, type ControlPlaneUnderTest } from './control-plane-harness';
import { addMember, createActiveTenant } from './identity-fixture';

/**
 * Every operation of the control plane's own OpenAPI document, fuzzed: wrong
 * types, missing and unknown fields, huge and deeply nested values, NUL and
 * unpaired surrogates, out-of-range numbers, malformed path ids, hostile and
 * duplicated query parameters; as the platform admin, and sometimes
 * anonymously. Never a 5xx, every 4xx in the error shape, and a refused
 * request leaves every table as it was.
 */

const ADMIN_EMAIL = 'fuzz-root@sluice.test';
const RUNS_PER_OPERATION = 12;
/** Tables whose rows change without a request (the projection relay drains its outbox). */
const VOLATILE_TABLES = new Set(['projection_outbox', 'schema_migrations']);

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

interface Operation {
  method: string;
  /** `/api/tenants/{tenant}`. */
  path: string;
  pathParams: string[];
  queryParams: string[];
  body: Schema | null;
}

type Mutation =
  | { kind: 'field'; path: string[]; value: Hostile }
  | { kind: 'missing'; field: string }
  | { kind: 'unknown field'; value: Hostile }
  | { kind: 'whole body'; value: Hostile }
  | { kind: 'query'; name: string; value: Hostile; duplicate: boolean }
  | { kind: 'path'; name: string; value: Hostile };

describe('control plane route fuzzing (OpenAPI-driven)', () => {
  let app: ControlPlaneUnderTest;
  let call: Call;
  let database: Client;
  let document: OpenApiDocument;
  let admin: string;
  /** Path parameter and body reference values that exist, so hostile input reaches past the lookups. */
  let fixtures: Record<string, string>;

  beforeAll(async () => {
    app = await startControlPlane({ SLUICE_ADMIN_EMAIL: ADMIN_EMAIL, SLUICE_ADMIN_PASSWORD: TEST_PASSWORD });
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
  });

  async function createFixtures(): Promise<Record<string, string>> {
    const tenant = await createActiveTenant(call, admin, unique('fuzz'));
    const member = await addMember(call, admin, tenant.id, `${unique('fuzz-member')}@example.com`, 'member');
    const team = await call<{ id: string }>('POST', '/api/teams/', { token: admin, body: { tenant: tenant.id, name: unique('team') } });
    const key = await call<{ id: string }>('POST', '/api/api-keys/', { token: admin, body: { tenant: tenant.id, name: unique('key') } });
    const token = await call<{ id: string }>('POST', '/api/auth/tokens/', { token: admin, body: { name: unique('pat') } });
    const first = async (path: string) => (await call<{ results?: Array<{ id: string }> } | Array<{ id: string }>>('GET', path, { token: admin })).body;
    const idOf = (list: { results?: Array<{ id: string }> } | Array<{ id: string }>) => (Array.isArray(list) ? list : (list.results ?? []))[0]?.id ?? '';
    return {
      tenant: tenant.slug,
      user: member.user,
      membership: member.id,
      team: team.body.id,
      api_key: key.body.id,
      personal_token: token.body.id,
      model: idOf(await first('/api/models/')),
      region: idOf(await first('/api/regions/')),
      plan: idOf(await first('/api/plans/')),
    };
  }

  /** Row count of every table, and its latest `updated_at` where it has one: a refused request must move neither. */
  async function snapshot(): Promise<string[]> {
    const { rows } = await database.query<{ table_name: string; has_updated_at: boolean }>(
      `SELECT table_name, bool_or(column_name = 'updated_at') AS has_updated_at
         FROM information_schema.columns WHERE table_schema = 'public' GROUP BY table_name ORDER BY table_name`,
    );
    const parts = rows
      .filter(({ table_name }) => !VOLATILE_TABLES.has(table_name))
      .map(({ table_name, has_updated_at }) => `SELECT '${table_name}' || ':' || count(*) || ${has_updated_at ? `':' || coalesce(max(updated_at)::text, '-')` : `''`} AS state FROM "${table_name}"`);
    const states = await database.query<{ state: string }>(parts.join(' UNION ALL '));
    return states.rows.map((row) => row.state);
  }

  function operations(): Operation[] {
    const found: Operation[] = [];
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const parameters = operation.parameters ?? [];
        const bodySchema = operation.requestBody?.content['application/json']?.schema;
        const op: Operation = {
          method: method.toUpperCase(),
          path,
          pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
          queryParams: parameters.filter((p) => p.in === 'query').map((p) => p.name),
          body: bodySchema ? resolve(bodySchema) : null,
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
  function pathValue(op: Operation, name: string): string {
    if (name === 'tenant') return fixtures['tenant'] ?? '';
    if (name === 'member') return fixtures['membership'] ?? '';
    const resource = op.path.split('/')[2] ?? '';
    const byResource: Record<string, string> = {
      users: 'user',
      'tenant-users': 'membership',
      teams: 'team',
      models: 'model',
      regions: 'region',
      'api-keys': 'api_key',
      plans: 'plan',
      auth: 'personal_token',
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
    if (/email/.test(name)) return `fuzz-${++counter}-${FUZZ_SEED}@example.com`;
    switch (resolved.type) {
      case 'number':
      case 'integer':
        return Math.max(resolved.minimum ?? 1, 1);
      case 'boolean':
        return true;
      case 'array':
        return [];
      case 'object':
        return resolved.properties ? plausibleBody(resolved) : {};
      default: {
        const candidate = `fuzz-${++counter}-${FUZZ_SEED % 1000}`;
        if (resolved.pattern && !new RegExp(resolved.pattern).test(candidate)) return `fuzz${counter}`;
        return candidate.padEnd(resolved.minLength ?? 0, 'x');
      }
    }
  }

  function plausibleBody(schema: Schema): Record<string, unknown> {
    const body: Record<string, unknown> = {};
    for (const field of schema.required ?? []) body[field] = plausible(field, schema.properties?.[field] ?? {});
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

  function mutations(op: Operation): fc.Arbitrary<Mutation> {
    const choices: Array<fc.Arbitrary<Mutation>> = [];
    if (op.body) {
      const paths = fieldPaths(op.body);
      if (paths.length > 0) {
        const field = fc.record({ kind: fc.constant('field' as const), path: fc.constantFrom(...paths), value: hostileJson() });
        choices.push(field, field, field);
      }
      if ((op.body.required ?? []).length > 0) choices.push(fc.record({ kind: fc.constant('missing' as const), field: fc.constantFrom(...(op.body.required ?? [])) }));
      choices.push(fc.record({ kind: fc.constant('unknown field' as const), value: hostileJson() }));
      choices.push(fc.record({ kind: fc.constant('whole body' as const), value: hostileJson() }));
    }
    if (op.queryParams.length > 0) {
      const query = fc.record({ kind: fc.constant('query' as const), name: fc.constantFrom(...op.queryParams, 'unknown_param'), value: hostileUrlPart(5_000), duplicate: fc.boolean() });
      choices.push(query, query, query);
    }
    if (op.pathParams.length > 0) {
      const path = fc.record({ kind: fc.constant('path' as const), name: fc.constantFrom(...op.pathParams), value: hostileUrlPart(300) });
      choices.push(path, path);
    }
    return fc.oneof(...choices);
  }

  /** Tried on every operation before the generated inputs: NUL in each field, absurd numbers and overlong strings where they fit, each query and path parameter broken. */
  function sweep(op: Operation): Mutation[] {
    const [nul, , surrogate] = HOSTILE_JSON.illFormed;
    const sweep: Mutation[] = [];
    if (op.body) {
      sweep.push({ kind: 'whole body', value: HOSTILE_JSON.deep[1] as Hostile });
      for (const [name, property] of Object.entries(op.body.properties ?? {})) {
        const type = resolve(property).type;
        sweep.push({ kind: 'field', path: [name], value: nul as Hostile });
        if (type === 'number' || type === 'integer') sweep.push({ kind: 'field', path: [name], value: HOSTILE_JSON.numbers[0] as Hostile });
        if (type === 'string' || type === undefined) sweep.push({ kind: 'field', path: [name], value: HOSTILE_JSON.huge[1] as Hostile });
      }
      sweep.push({ kind: 'unknown field', value: surrogate as Hostile });
    }
    for (const name of op.queryParams) {
      sweep.push({ kind: 'query', name, value: HOSTILE_URL_PARTS.numbers[0] as Hostile, duplicate: false });
      sweep.push({ kind: 'query', name, value: HOSTILE_URL_PARTS.illFormed[1] as Hostile, duplicate: true });
    }
    for (const name of op.pathParams) {
      sweep.push({ kind: 'path', name, value: HOSTILE_URL_PARTS.illFormed[0] as Hostile });
      sweep.push({ kind: 'path', name, value: HOSTILE_URL_PARTS.badEncoding[0] as Hostile });
    }
    return sweep;
  }

  function toRequest(op: Operation, mutation: Mutation, anonymous: boolean): FuzzRequest {
    let url = op.path.replace(/\{(\w+)\}/g, (_match, name: string) =>
      mutation.kind === 'path' && mutation.name === name ? mutation.value.raw : encodeURIComponent(pathValue(op, name)),
    );
    url += '/';
    let body: string | undefined;
    const base = op.body ? plausibleBody(op.body) : undefined;
    let described = mutation.kind;
    switch (mutation.kind) {
      case 'field':
        body = jsonWith(base ?? {}, mutation.path, mutation.value);
        described = `body field ${mutation.path.join('.')} = ${mutation.value.label}`;
        break;
      case 'missing':
        body = jsonWithout(base ?? {}, mutation.field);
        described = `body without ${mutation.field}`;
        break;
      case 'unknown field':
        body = jsonWith(base ?? {}, ['fuzz_unknown'], mutation.value);
        described = `unknown body field = ${mutation.value.label}`;
        break;
      case 'whole body':
        body = mutation.value.raw;
        described = `body = ${mutation.value.label}`;
        break;
      case 'query':
        url += `?${mutation.name}=${mutation.value.raw}${mutation.duplicate ? `&${mutation.name}=2` : ''}`;
        described = `query ${mutation.name} = ${mutation.value.label}${mutation.duplicate ? ' (twice)' : ''}`;
        break;
      case 'path':
        described = `path {${mutation.name}} = ${mutation.value.label}`;
        break;
    }
    if (body === undefined && base !== undefined) body = JSON.stringify(base);
    return { method: op.method, url, token: anonymous ? null : admin, body, mutation: described };
  }

  it(`answers every operation's hostile input with a 4xx in the error shape that changes nothing (seed ${FUZZ_SEED})`, async () => {
    const failures: string[] = [];
    const ops = operations();
    expect(ops.length).toBeGreaterThan(40);
    for (const op of ops) {
      const failure = await fuzzRoute(
        {
          name: `${op.method} ${op.path}`,
          inputs: fc.tuple(mutations(op), fc.nat(4).map((n) => n === 0)),
          examples: sweep(op).map((mutation): [Mutation, boolean] => [mutation, false]),
          toRequest: ([mutation, anonymous]) => toRequest(op, mutation, anonymous),
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
  }, fuzzTimeoutMs(60_000));
});
