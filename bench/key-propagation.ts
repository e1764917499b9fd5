/**
 * `npm run bench:propagation`: how long a revoked API key keeps working on a
 * gateway (the promise: refused within 1 s, docs/security.md). Starts the built control plane and
 * gateway (`dist/apps/*`, built by the npm script) on a fresh, migrated
 * database and a private key prefix of the test Redis; then, `BENCH_PROPAGATION_REVOCATIONS`
 * times (default 100), creates a key, waits until the gateway accepts it,
 * revokes it and polls the gateway (`GET /v1/models`, every
 * `BENCH_PROPAGATION_POLL_MS`, default 2) until it answers 401. Each delay runs
 * from the revoke response's arrival to the first 401's. Prints the median,
 * 95th percentile and worst, then stops both processes and drops the
 * database and the keys.
 *
 * Environment: `BENCH_PROPAGATION_REVOCATIONS`, `BENCH_PROPAGATION_POLL_MS`, `TEST_DATABASE_URL`, `TEST_REDIS_URL`.
 */
import { migrateDatabase } from '@sluice/control-plane/data-access';
import { databaseUrl, deleteKeysWithPrefix, dropDatabase, freePort, TEST_REDIS_URL, waitUntil } from '@sluice/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { ServiceProcess } from './gateway/service-process';

const REVOCATIONS = Number(process.env['BENCH_PROPAGATION_REVOCATIONS'] ?? 100);
const POLL_MS = Number(process.env['BENCH_PROPAGATION_POLL_MS'] ?? 2);
const DEADLINE_MS = 1_000;
/** A revocation not seen after this long is reported as a failure, not waited for forever. */
const GIVE_UP_MS = 10_000;
const ADMIN_EMAIL = 'bench@sluice.test';
const ADMIN_PASSWORD = 'bench-password-not-secret';

interface Api {
  (method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
}

async function createDatabase(): Promise<{ name: string; url: string }> {
  const name = `sluice_bench_propagation_${randomUUID().slice(0, 8)}`;
  const admin = new Client({ connectionString: databaseUrl('postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = databaseUrl(name);
  await migrateDatabase(url);
  return { name, url };
}

function api(baseUrl: string, token: () => string | null): Api {
  return async (method, path, body) => {
    const bearer = token();
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
}

async function expectStatus(response: Promise<{ status: number; body: Record<string, unknown> }>, status: number, what: string): Promise<Record<string, unknown>> {
  const { status: actual, body } = await response;
  if (actual !== status) throw new Error(`${what}: expected ${status}, got ${actual} ${JSON.stringify(body)}`);
  return body;
}

async function gatewayStatus(gatewayUrl: string, secret: string): Promise<number> {
  const response = await fetch(`${gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${secret}` } });
  await response.arrayBuffer();
  return response.status;
}

/** Milliseconds from now until the gateway first answers 401 for `secret`, polling every POLL_MS. */
async function timeUntilRefused(gatewayUrl: string, secret: string, since: number): Promise<number | null> {
  for (;;) {
    const status = await gatewayStatus(gatewayUrl, secret);
    const now = performance.now();
    if (status === 401) return now - since;
    if (now - since > GIVE_UP_MS) return null;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main(): Promise<void> {
  const database = await createDatabase();
  const prefix = `sluice-bench:propagation:${randomUUID().slice(0, 8)}:`;
  const workDirectory = mkdtempSync(join(tmpdir(), 'sluice-bench-propagation-'));
  const jwtSecret = randomBytes(32).toString('hex');
  const services: ServiceProcess[] = [];
  try {
    const controlPlanePort = await freePort();
    const controlPlaneUrl = `http://127.0.0.1:${controlPlanePort}`;
    services.push(
      await ServiceProcess.start({
        name: 'control-plane',
        nodeArgs: ['dist/apps/control-plane/main.js'],
        env: {
          ...process.env,
          NODE_ENV: 'development',
          LOG_LEVEL: 'warn',
          CONTROL_PLANE_PORT: String(controlPlanePort),
          CONTROL_PLANE_HOST: '127.0.0.1',
          DATABASE_URL: database.url,
          REDIS_URL: TEST_REDIS_URL,
          REDIS_KEY_PREFIX: prefix,
          MIGRATE_ON_START: 'false',
          JWT_SECRET: jwtSecret,
          SLUICE_ADMIN_EMAIL: ADMIN_EMAIL,
          SLUICE_ADMIN_PASSWORD: ADMIN_PASSWORD,
          THROTTLE_AUTHENTICATED_PER_HOUR: '100000',
        },
        readyUrl: `${controlPlaneUrl}/health/ready`,
        logFile: join(workDirectory, 'control-plane.log'),
      }),
    );
    const gatewayPort = await freePort();
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    services.push(
      await ServiceProcess.start({
        name: 'gateway',
        nodeArgs: ['dist/apps/gateway/main.js'],
        env: {
          ...process.env,
          NODE_ENV: 'development',
          LOG_LEVEL: 'warn',
          GATEWAY_PORT: String(gatewayPort),
          GATEWAY_HOST: '127.0.0.1',
          REDIS_URL: TEST_REDIS_URL,
          REDIS_KEY_PREFIX: prefix,
          JWT_SECRET: jwtSecret,
          USAGE_SPILL_DIR: join(workDirectory, 'usage-spill'),
        },
        readyUrl: `${gatewayUrl}/health/ready`,
        logFile: join(workDirectory, 'gateway.log'),
      }),
    );

    let token: string | null = null;
    const call = api(controlPlaneUrl, () => token);
    token = (await expectStatus(call('POST', '/api/auth/token/', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD }), 200, 'admin login'))['access'] as string;
    const slug = `bench-${randomUUID().slice(0, 8)}`;
    const tenant = await expectStatus(call('POST', '/api/tenants/', { name: 'Propagation bench', slug }), 201, 'tenant creation');
    await expectStatus(call('POST', `/api/tenants/${slug}/activate/`), 200, 'tenant activation');

    const delays: number[] = [];
    let missed = 0;
    for (let i = 0; i < REVOCATIONS; i++) {
      const key = await expectStatus(call('POST', '/api/api-keys/', { tenant: tenant['id'], name: `bench-${i}` }), 201, 'key creation');
      const secret = key['key'] as string;
      // The key is in the gateway's cache before the revocation, as a key in use would be.
      await waitUntil(async () => (await gatewayStatus(gatewayUrl, secret)) === 200, 5_000, `key ${i} accepted`);
      await expectStatus(call('POST', `/api/api-keys/${key['id'] as string}/revoke/`), 200, 'revocation');
      const delay = await timeUntilRefused(gatewayUrl, secret, performance.now());
      if (delay === null) missed++;
      else delays.push(delay);
    }

    const sorted = [...delays].sort((a, b) => a - b);
    const late = sorted.filter((delay) => delay > DEADLINE_MS).length;
    console.log(`\nkey revocation → first 401 on the gateway (${REVOCATIONS} revocations, polling every ${POLL_MS} ms, load average ${loadavg()[0].toFixed(2)} on this shared machine):`);
    if (sorted.length > 0) {
      console.log(`  median ${percentile(sorted, 50).toFixed(1)} ms, p95 ${percentile(sorted, 95).toFixed(1)} ms, worst ${sorted[sorted.length - 1].toFixed(1)} ms, best ${sorted[0].toFixed(1)} ms`);
    }
    console.log(`  over the ${DEADLINE_MS} ms deadline: ${late}; never refused within ${GIVE_UP_MS} ms: ${missed}`);
    if (late > 0 || missed > 0) process.exitCode = 1;
  } finally {
    for (const service of services.reverse()) await service.stop();
    await deleteKeysWithPrefix(prefix);
    await dropDatabase(database.name);
    rmSync(workDirectory, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
