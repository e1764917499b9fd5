// `npm start`: the local PostgreSQL serves as the `local` region's database
// server for private AI keys (docs/private-ai-keys.md), through an admin role
// with CREATEDB and CREATEROLE only (never the superuser): created here if it
// is missing, then set on the region through the control plane's API.
import pg from 'pg';

const ADMIN_ROLE = 'sluice_region_admin';
const ADMIN_PASSWORD = 'sluice-region-admin-development';

/** Resolves to the id of the last request it made; `databaseUrl` is the control plane's own DATABASE_URL. */
export async function useLocalRegionDatabase(baseUrl, databaseUrl, { adminEmail, adminPassword, requestIdPrefix }) {
  const server = new URL(databaseUrl);
  server.pathname = '/postgres';
  const client = new pg.Client({ connectionString: server.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [ADMIN_ROLE]);
    if (!rowCount) await client.query(`CREATE ROLE ${ADMIN_ROLE} LOGIN CREATEDB CREATEROLE NOSUPERUSER PASSWORD '${ADMIN_PASSWORD}'`);
  } finally {
    await client.end();
  }
  const host = server.hostname;
  const port = Number(server.port || 5432);
  const adminUrl = `postgres://${ADMIN_ROLE}:${ADMIN_PASSWORD}@${host}:${port}/postgres`;
  let count = 0;
  const request = async (method, path, { token, body }) => {
    const id = `${requestIdPrefix}-${++count}`;
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { 'x-request-id': id, 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    if (response.status !== 200) throw new Error(`${method} ${path}: HTTP ${response.status} ${await response.text()}`);
    return { id, body: await response.json() };
  };
  const login = await request('POST', '/api/auth/token/', { body: { email: adminEmail, password: adminPassword } });
  const patched = await request('PATCH', '/api/regions/local/', { token: login.body.access, body: { database: { host, port, admin_url: adminUrl } } });
  return { lastRequestId: patched.id };
}
