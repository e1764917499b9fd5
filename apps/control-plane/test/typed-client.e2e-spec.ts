import { createSluiceClient, ok, paginate, SluiceApiError } from '@sluice/client';
import { ADMIN_EMAIL, apiClient, login, TEST_PASSWORD, unique } from '@sluice/testing';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startControlPlane, type ControlPlaneUnderTest } from './control-plane-harness';

const REPO_ROOT = resolve(__dirname, '../../..');

/**
 * The typed client (libs/shared/client) is generated from the OpenAPI
 * document: the checked-in document and types must be exactly what the
 * control plane serves at /docs-json would generate.
 */
describe('typed client against /docs-json', () => {
  let controlPlane: ControlPlaneUnderTest;
  let folder: string;

  beforeAll(async () => {
    controlPlane = await startControlPlane({ SLUICE_ADMIN_EMAIL: ADMIN_EMAIL, SLUICE_ADMIN_PASSWORD: TEST_PASSWORD });
    folder = mkdtempSync(join(tmpdir(), 'sluice-docs-json-'));
  });

  afterAll(async () => {
    rmSync(folder, { recursive: true, force: true });
    await controlPlane?.close();
  });

  it('is up to date (else: npm run client:generate)', async () => {
    const response = await fetch(`${controlPlane.url}/docs-json`);
    expect(response.status).toBe(200);
    const served = join(folder, 'docs.json');
    writeFileSync(served, await response.text());
    const check = spawnSync(process.execPath, ['tools/scripts/generate-client.mjs', '--check', '--document', served], { cwd: REPO_ROOT, encoding: 'utf8' });
    // The generator's own words say which file is stale and the command that fixes it.
    expect({ status: check.status, stderr: check.stderr }).toEqual({ status: 0, stderr: '' });
  });

  it('types every property and parameter (no bare object where TypeScript emitted Object for a union)', async () => {
    interface Schema {
      type?: string;
      properties?: Record<string, Schema>;
      additionalProperties?: unknown;
      $ref?: string;
      allOf?: Schema[];
    }
    const document = (await (await fetch(`${controlPlane.url}/docs-json`)).json()) as {
      paths: Record<string, Record<string, { parameters?: Array<{ name: string; schema?: Schema }> }>>;
      components: { schemas: Record<string, Schema> };
    };
    const OBJECT_REF = '#/components/schemas/Object';
    // A nullable reference comes out as `{type: 'object', nullable, allOf: [{$ref}]}`: typed, as long as the reference is not to Object.
    const referenced = (schema: Schema) => (schema.allOf ?? []).some((part) => part.$ref !== undefined && part.$ref !== OBJECT_REF);
    const bare = (schema: Schema | undefined) =>
      schema !== undefined &&
      ((schema.type === 'object' && !schema.properties && schema.additionalProperties === undefined && !referenced(schema)) || (schema.allOf ?? []).some((part) => part.$ref === OBJECT_REF));
    const untyped = [
      ...Object.entries(document.components.schemas).flatMap(([name, schema]) =>
        Object.entries(schema.properties ?? {})
          .filter(([, property]) => bare(property))
          .map(([property]) => `${name}.${property}`),
      ),
      ...Object.entries(document.paths).flatMap(([path, operations]) =>
        Object.entries(operations).flatMap(([method, operation]) => (operation.parameters ?? []).filter((parameter) => bare(parameter.schema)).map((parameter) => `${method.toUpperCase()} ${path} ${parameter.name}`)),
      ),
    ];
    // Fix: give the @ApiProperty an explicit `type` (String, 'integer', Number, or `type: 'object', additionalProperties: true`).
    expect(untyped).toEqual([]);
  });

  it('works from Node against the real API: bearer token, X-Tenant, typed errors with field messages, pagination', async () => {
    const token = (await login(apiClient(controlPlane.url), ADMIN_EMAIL)).access;
    const slug = unique('typed');
    const admin = createSluiceClient({ baseUrl: controlPlane.url, token });
    const tenant = await ok(admin.POST('/api/tenants', { body: { name: 'Typed client', slug } }));
    await ok(admin.POST('/api/tenants/{tenant}/activate', { params: { path: { tenant: slug } } }));
    expect(tenant.status).toBe('pending');

    const refused = await ok(admin.POST('/api/tenants', { body: { name: 'Again', slug } })).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SluiceApiError);
    expect((refused as SluiceApiError).status).toBe(409);
    const invalid = (await ok(admin.POST('/api/api-keys', { body: { tenant: slug, name: 'k', limits: { rpm: -1 } } })).catch((error: unknown) => error)) as SluiceApiError;
    expect([invalid.status, invalid.code]).toEqual([400, 'validation_error']);
    expect(Object.keys(invalid.fieldErrors())).toEqual(['limits.rpm']);

    const inTenant = createSluiceClient({ baseUrl: controlPlane.url, token, tenant: slug });
    const names = ['one', 'two', 'three'];
    for (const name of names) await ok(inTenant.POST('/api/api-keys', { body: { name, environment: 'test' } }));
    const listed: string[] = [];
    for await (const key of paginate((page) => ok(inTenant.GET('/api/api-keys', { params: { query: { page, page_size: 2, ordering: 'name' } } })))) listed.push(key.name);
    expect(listed).toEqual([...names].sort());
  });
});
