import { startControlPlane, type ControlPlaneUnderTest } from './control-plane-harness';

interface Schema {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  oneOf?: Schema[];
  allOf?: Schema[];
  required?: string[];
}

interface Operation {
  operationId: string;
  security?: Array<Record<string, string[]>>;
  responses: Record<string, { description?: string; content?: { 'application/json'?: { schema?: Schema } } }>;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, { type: string; scheme?: string; in?: string }> };
}

/** Public routes that cannot fail in the error shape: the process answers, or reports itself degraded in its own shape. */
const NO_ERROR_SHAPE = new Set(['GET /health', 'GET /health/live']);

const ERROR_SCHEMA = '#/components/schemas/ErrorResponseDto';

/**
 * The OpenAPI document is what the typed client and the console are
 * generated from: every operation must say what it answers, in which error
 * shape it fails, and which credentials it needs.
 */
describe('OpenAPI document (/docs-json)', () => {
  let controlPlane: ControlPlaneUnderTest;
  let document: OpenApiDocument;
  let operations: Array<{ name: string; operation: Operation }>;

  beforeAll(async () => {
    controlPlane = await startControlPlane();
    const response = await fetch(`${controlPlane.url}/docs-json`);
    expect(response.status).toBe(200);
    document = (await response.json()) as OpenApiDocument;
    operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ name: `${method.toUpperCase()} ${path}`, operation })),
    );
  });

  afterAll(() => controlPlane?.close());

  /** A schema that says something: a described component, a typed object, an array of such, or a choice of them. */
  function isTyped(schema: Schema | undefined): boolean {
    if (!schema) return false;
    if (schema.$ref) {
      const component = document.components.schemas[schema.$ref.replace('#/components/schemas/', '')];
      return component !== undefined && Object.keys(component.properties ?? {}).length > 0;
    }
    if (schema.oneOf) return schema.oneOf.length > 0 && schema.oneOf.every(isTyped);
    if (schema.allOf) return schema.allOf.length > 0 && schema.allOf.every(isTyped);
    if (schema.type === 'array') return isTyped(schema.items);
    return schema.type === 'object' && Object.keys(schema.properties ?? {}).length > 0;
  }

  it('has operations to check', () => {
    expect(operations.length).toBeGreaterThan(50);
  });

  it('describes the success answer of every operation', () => {
    const undescribed = operations
      .filter(({ operation }) => {
        const success = Object.entries(operation.responses).filter(([status]) => /^2\d\d$/.test(status));
        if (success.length === 0) return true;
        return !success.every(([status, response]) => (status === '204' ? !response.content : isTyped(response.content?.['application/json']?.schema)));
      })
      .map(({ name }) => name);
    expect(undescribed).toEqual([]);
  });

  it('describes the failures of every operation in the error shape', () => {
    const withoutErrors = operations
      .filter(({ operation }) =>
        Object.entries(operation.responses).every(([status, response]) => !/^[45]\d\d$/.test(status) || response.content?.['application/json']?.schema?.$ref !== ERROR_SCHEMA),
      )
      .map(({ name }) => name);
    expect(withoutErrors.filter((name) => !NO_ERROR_SHAPE.has(name))).toEqual([]);
    expect(document.components.schemas['ErrorResponseDto']).toMatchObject({ required: ['error'] });
    expect(document.components.schemas['ErrorBodyDto']?.required).toEqual(expect.arrayContaining(['code', 'message', 'type', 'param', 'details']));
  });

  it('requires credentials on every operation but the public ones, which are exactly these', () => {
    const open = operations.filter(({ operation }) => !operation.security?.length).map(({ name }) => name);
    expect(open.sort()).toEqual(PUBLIC_OPERATIONS);
    for (const { operation } of operations.filter(({ operation }) => operation.security?.length)) {
      expect(operation.responses['401']?.content?.['application/json']?.schema?.$ref).toBe(ERROR_SCHEMA);
    }
  });

  it('documents the accepted credentials: bearer JWT, Token, API key and the session cookie', () => {
    expect(document.components.securitySchemes).toMatchObject({
      jwt: { type: 'http', scheme: 'bearer' },
      token: { type: 'apiKey', in: 'header' },
      api_key: { type: 'http', scheme: 'bearer' },
      session_cookie: { type: 'apiKey', in: 'cookie' },
    });
  });

  it("documents Stripe's webhook as public, answering its receipt or 400 invalid_signature", () => {
    for (const path of ['/api/billing/webhooks/stripe', '/api/billing/events']) {
      const responses = document.paths[path]?.['post']?.responses;
      expect(responses?.['200']?.content?.['application/json']?.schema?.$ref).toBe('#/components/schemas/StripeWebhookResponseDto');
      expect(responses?.['400']?.content?.['application/json']?.schema?.$ref).toBe(ERROR_SCHEMA);
      expect(responses?.['401']).toBeUndefined();
    }
  });

  it('documents the partner webhook as public, answering 202 with its receipt or 401 invalid_signature', () => {
    const responses = document.paths['/api/integrations/webhooks/{service}']?.['post']?.responses;
    expect(responses?.['202']?.content?.['application/json']?.schema?.$ref).toBe('#/components/schemas/InboundReceiptDto');
    expect(responses?.['401']?.content?.['application/json']?.schema?.$ref).toBe(ERROR_SCHEMA);
  });

  it('documents a statement as JSON or, with .csv after the id, as CSV', () => {
    const content = document.paths['/api/tenants/{tenant}/statements/{id}']?.['get']?.responses['200']?.content as Record<string, { schema?: Schema }> | undefined;
    expect(content?.['application/json']?.schema?.$ref).toBe('#/components/schemas/StatementResponseDto');
    expect(content?.['text/csv']?.schema?.type).toBe('string');
  });

  it('documents lists as pages', () => {
    const list = document.paths['/api/tenants']?.['get']?.responses['200']?.content?.['application/json']?.schema;
    expect(list?.required).toEqual(['count', 'next', 'previous', 'results']);
    expect(list?.properties?.['results']?.items?.$ref).toBe('#/components/schemas/TenantResponseDto');
  });
});

/** What anyone may call; a route added here is open to the internet, so the change shows in review. */
const PUBLIC_OPERATIONS = [
  'GET /health',
  'GET /health/live',
  'GET /health/ready',
  // Accepting an invitation: the single-use token in the path is the credential.
  'POST /api/auth/invitations/{token}/accept',
  'POST /api/auth/login',
  'POST /api/auth/register',
  // Sign-in with a mailed code, and asking for one (the same answer whatever the address).
  'POST /api/auth/sign-in',
  'POST /api/auth/token',
  'POST /api/auth/token/refresh',
  'POST /api/auth/validate-email',
  // Stripe's webhook and its older alias (docs/billing.md): no credentials, the signature over the raw body is the gate.
  'POST /api/billing/events',
  'POST /api/billing/webhooks/stripe',
  // Partners' webhooks: the provider's signature, address list and rate are the gate (docs/integrations.md).
  'POST /api/integrations/webhooks/{service}',
  // Tenant-bound sign-in in the older API's envelope.
  'POST /api/tenants/auth',
];
