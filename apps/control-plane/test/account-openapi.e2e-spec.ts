import { startControlPlane, type ControlPlaneUnderTest } from './control-plane-harness';

interface Operation {
  responses: Record<string, { content?: { 'application/json'?: { schema?: { $ref?: string } } } }>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
}

describe('OpenAPI document: the account routes under /api/auth', () => {
  let controlPlane: ControlPlaneUnderTest;
  let document: OpenApiDocument;

  beforeAll(async () => {
    controlPlane = await startControlPlane();
    document = (await (await fetch(`${controlPlane.url}/docs-json`)).json()) as OpenApiDocument;
  });
  afterAll(() => controlPlane?.close());

  /** The schema of the operation's success body, resolved. */
  function successSchema(path: string, method: string, status: string) {
    const operation = document.paths[path]?.[method];
    expect(Object.keys(operation?.responses ?? {})).toContain(status);
    const ref = operation?.responses[status]?.content?.['application/json']?.schema?.$ref;
    return ref ? document.components.schemas[ref.replace('#/components/schemas/', '')] : undefined;
  }

  it.each([
    ['/api/auth/token', 'post', '200', ['access', 'refresh', 'token', 'token_type', 'expires_in', 'user']],
    ['/api/auth/token/refresh', 'post', '200', ['access', 'refresh', 'user']],
    ['/api/auth/login', 'post', '200', ['user', 'expires_in', 'csrf_token']],
    ['/api/auth/register', 'post', '201', ['access', 'refresh', 'user', 'tenant']],
    ['/api/auth/profile', 'get', '200', ['email', 'username', 'tenants']],
    ['/api/auth/me', 'patch', '200', ['email', 'username', 'tenants']],
    ['/api/auth/tokens', 'post', '201', ['id', 'prefix', 'last4', 'scopes', 'token']],
    ['/api/auth/tokens', 'get', '200', ['count', 'next', 'previous', 'results']],
  ])('%s %s describes its %s body', (path, method, status, fields) => {
    expect(Object.keys(successSchema(path, method, status)?.properties ?? {})).toEqual(expect.arrayContaining(fields));
  });

  it.each([
    ['/api/auth/logout', 'post'],
    ['/api/auth/tokens/{id}', 'delete'],
  ])('%s %s answers 204 without a body', (path, method) => {
    expect(Object.keys(document.paths[path]?.[method]?.responses ?? {})).toContain('204');
  });
});
