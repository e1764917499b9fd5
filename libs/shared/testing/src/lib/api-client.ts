import { randomUUID } from 'node:crypto';

/** A control plane's answer, its JSON body parsed. */
export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

export type Call = <T = Record<string, unknown>>(
  method: string,
  path: string,
  options?: { token?: string | null; body?: unknown; headers?: Record<string, string> },
) => Promise<ApiResponse<T>>;

/** JSON calls against one running control plane. */
export function apiClient(baseUrl: string): Call {
  return async (method, path, { token, body, headers = {} } = {}) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : {}, headers: response.headers };
  };
}

export const TEST_PASSWORD = 'correct horse battery staple';

/** A unique, valid slug or email local part. */
export function unique(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export async function login(call: Call, email: string, password = TEST_PASSWORD): Promise<{ access: string; refresh: string }> {
  const response = await call<{ access: string; refresh: string }>('POST', '/api/auth/token/', { body: { email, password } });
  if (response.status !== 200) throw new Error(`login of ${email} failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

/** The platform admin the test apps bootstrap (SLUICE_ADMIN_EMAIL), with TEST_PASSWORD. */
export const ADMIN_EMAIL = 'root@sluice.test';

/** Creates a tenant through the API and activates it: a platform admin's token. */
export async function createActiveTenant(call: Call, adminToken: string, slug: string): Promise<{ id: string; slug: string }> {
  const created = await call<{ id: string; slug: string }>('POST', '/api/tenants/', { token: adminToken, body: { name: `Tenant ${slug}`, slug } });
  if (created.status !== 201) throw new Error(`tenant creation failed: ${created.status} ${JSON.stringify(created.body)}`);
  await call('POST', `/api/tenants/${slug}/activate/`, { token: adminToken });
  return { id: created.body.id, slug };
}

/** Adds a member (a new user with TEST_PASSWORD) to a tenant with a role. */
export async function addMember(call: Call, token: string, tenant: string, email: string, role: string): Promise<{ id: string; user: string }> {
  const response = await call<{ id: string; user: string }>('POST', '/api/tenant-users/', { token, body: { tenant, email, role, password: TEST_PASSWORD } });
  if (response.status !== 201) throw new Error(`membership creation failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}
