import type { ErrorResponse } from '@sluice/contracts';
import { migrateDatabase, MIGRATIONS } from '@sluice/control-plane/data-access';
import { waitUntil, databaseUrl, describeHttpConventions, describeRedisOutageRecovery, dropDatabase, expectErrorShape, randomSuffix, testRunId } from '@sluice/testing';
import { Client } from 'pg';
import { startControlPlane, type ControlPlaneUnderTest } from './control-plane-harness';

const BODY_LIMIT_BYTES = 4096;

describe('control plane platform', () => {
  describe('health and docs', () => {
    let controlPlane: ControlPlaneUnderTest;
    beforeAll(async () => {
      controlPlane = await startControlPlane();
    });
    afterAll(() => controlPlane?.close());

    it('answers GET /health/ with its status, service, database and redis', async () => {
      const response = await fetch(`${controlPlane.url}/health/`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok', service: 'control-plane', database: 'connected', redis: 'connected' });
    });

    it('is ready when PostgreSQL, Redis and the migrations are', async () => {
      const response = await fetch(`${controlPlane.url}/health/ready`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(
        expect.objectContaining({
          status: 'ok',
          info: { database: { status: 'up' }, redis: { status: 'up' }, migrations: { status: 'up' } },
        }),
      );
    });

    it('serves interactive OpenAPI docs generated from the controllers', async () => {
      const page = await fetch(`${controlPlane.url}/docs`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('swagger-ui');
      const document = (await (await fetch(`${controlPlane.url}/docs-json`)).json()) as { openapi: string; paths: object };
      expect(document.openapi).toMatch(/^3\./);
      expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/health', '/health/live', '/health/ready']));
    });
  });

  describeHttpConventions(() => startControlPlane({ BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES) }), {
    bodyLimitBytes: BODY_LIMIT_BYTES,
  });

  describeRedisOutageRecovery((redisUrl) => startControlPlane({ REDIS_URL: redisUrl }, { waitForReady: false }));

  describe('database lifecycle', () => {
    const name = `sluice_t_${testRunId()}_${randomSuffix()}`;
    afterAll(() => dropDatabase(name));

    it('is not ready while migrations are pending', async () => {
      const client = new Client({ connectionString: databaseUrl('postgres') });
      await client.connect();
      await client.query(`CREATE DATABASE ${name}`);
      await client.end();
      const controlPlane = await startControlPlane({ DATABASE_URL: databaseUrl(name) }, { waitForReady: false });
      try {
        const response = await fetch(`${controlPlane.url}/health/ready`);
        expect(response.status).toBe(503);
        const body = (await response.json()) as ErrorResponse;
        expectErrorShape(body, 'not_ready');
        expect((body.error.details['checks'] as Record<string, unknown>)['migrations']).toEqual({ status: 'down', message: 'Migrations pending' });

        // A migration job applies them: the app becomes ready and bootstraps its admin without a restart.
        await migrateDatabase(databaseUrl(name));
        await waitUntil(async () => (await fetch(`${controlPlane.url}/health/ready`)).status === 200, 10_000, 'readiness after migration');
        const admins = async () => {
          const client = new Client({ connectionString: databaseUrl(name) });
          await client.connect();
          const { rows } = await client.query("SELECT email FROM users WHERE is_platform_admin");
          await client.end();
          return rows.map((row: { email: string }) => row.email);
        };
        await waitUntil(async () => (await admins()).length > 0, 10_000, 'admin bootstrap');
        expect(await admins()).toEqual(['admin@sluice.local']);
      } finally {
        await controlPlane.close();
      }
    });

    it('creates a missing database and applies every migration once', async () => {
      const missing = `sluice_t_${testRunId()}_${randomSuffix()}`;
      try {
        const first = await migrateDatabase(databaseUrl(missing));
        expect(first).toEqual({ created: true, applied: MIGRATIONS.map((migration) => migration.name) });
        const again = await migrateDatabase(databaseUrl(missing));
        expect(again).toEqual({ created: false, applied: [] });
      } finally {
        await dropDatabase(missing);
      }
    });

    it('lets replicas that start together migrate once between them', async () => {
      const shared = `sluice_t_${testRunId()}_${randomSuffix()}`;
      try {
        const results = await Promise.all([1, 2, 3].map(() => migrateDatabase(databaseUrl(shared))));
        expect(results.flatMap((result) => result.applied)).toEqual(MIGRATIONS.map((migration) => migration.name));
      } finally {
        await dropDatabase(shared);
      }
    });
  });
});
