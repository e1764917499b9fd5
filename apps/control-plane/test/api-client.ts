import { randomUUID } from 'node:crypto';

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
