import { createTestDatabase } from '@sluice/testing';
import { createHash, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/lib/data-source';
import { UnitOfWork } from '../src/lib/unit-of-work';

/** A migrated database of the test file's own, copied from the run's template. */
export interface TestDatabase {
  dataSource: DataSource;
  unitOfWork: UnitOfWork;
  close(): Promise<void>;
}

export async function openTestDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase();
  const dataSource = await new DataSource(dataSourceOptions(database.url, 4)).initialize();
  return {
    dataSource,
    unitOfWork: new UnitOfWork(dataSource),
    close: async () => {
      await dataSource.destroy();
      await database.drop();
    },
  };
}

/** A short unique suffix, so that rows of one test never collide with another's on a unique column. */
export function unique(): string {
  return randomUUID().slice(0, 8);
}

/** A SHA-256-shaped hash, as the `char(64)` secret columns hold. */
export function fakeHash(): string {
  return createHash('sha256').update(randomUUID()).digest('hex');
}

async function insertId(dataSource: DataSource, sql: string, params: unknown[]): Promise<string> {
  const [row] = (await dataSource.query(sql, params)) as Array<{ id: string }>;
  return row.id;
}

/** An active tenant, written with plain SQL so that repositories under test are not their own fixtures. */
export function insertTenant(dataSource: DataSource, fields: { slug?: string; name?: string; tier?: string; status?: string } = {}): Promise<string> {
  const slug = fields.slug ?? `tenant-${unique()}`;
  return insertId(dataSource, `INSERT INTO tenants (name, slug, status, subscription_tier) VALUES ($1, $2, $3, $4) RETURNING id`, [
    fields.name ?? slug,
    slug,
    fields.status ?? 'active',
    fields.tier ?? 'basic',
  ]);
}

export function insertUser(dataSource: DataSource, fields: { email?: string; firstName?: string } = {}): Promise<string> {
  return insertId(dataSource, `INSERT INTO users (email, password_hash, first_name) VALUES ($1, NULL, $2) RETURNING id`, [
    fields.email ?? `user-${unique()}@example.com`,
    fields.firstName ?? '',
  ]);
}

export function insertMembership(dataSource: DataSource, tenantId: string, userId: string, role = 'member', teamId: string | null = null): Promise<string> {
  return insertId(dataSource, `INSERT INTO tenant_users (tenant_id, user_id, role, team_id) VALUES ($1, $2, $3, $4) RETURNING id`, [
    tenantId,
    userId,
    role,
    teamId,
  ]);
}

export function insertTeam(dataSource: DataSource, tenantId: string, name = `team-${unique()}`): Promise<string> {
  return insertId(dataSource, `INSERT INTO teams (tenant_id, name) VALUES ($1, $2) RETURNING id`, [tenantId, name]);
}

export function insertApiKey(
  dataSource: DataSource,
  tenantId: string,
  fields: { name?: string; teamId?: string | null; environment?: 'live' | 'test'; status?: 'active' | 'revoked'; expiresAt?: Date | null } = {},
): Promise<string> {
  return insertId(
    dataSource,
    `INSERT INTO api_keys (tenant_id, team_id, name, key_hash, prefix, last4, environment, status, expires_at)
     VALUES ($1, $2, $3, $4, 'sk-test', $5, $6, $7, $8) RETURNING id`,
    [
      tenantId,
      fields.teamId ?? null,
      fields.name ?? `key-${unique()}`,
      fakeHash(),
      unique().slice(0, 4),
      fields.environment ?? 'live',
      fields.status ?? 'active',
      fields.expiresAt ?? null,
    ],
  );
}

/** The rows of a table as plain JSON, to compare a tenant's rows before and after a call that must not touch them. */
export async function snapshot(dataSource: DataSource, table: string, tenantId: string): Promise<unknown[]> {
  return dataSource.query(`SELECT to_jsonb(t) AS row FROM ${table} t WHERE tenant_id = $1 ORDER BY to_jsonb(t)::text`, [tenantId]);
}

/** What a promise was rejected with (fails the test if it resolved). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}
