import { databaseUrl, dropDatabase, randomSuffix, testRunId } from '@sluice/testing';
import { DataSource } from 'typeorm';
import { dataSourceOptions, runMigrations } from '../data-source';
import { ensureDatabase } from '../ensure-database';
import { PostpaidSubscriptionTiers1764500000000 } from './1764500000000-postpaid-subscription-tiers';
import { MIGRATIONS } from './index';

interface TenantFixture {
  slug: string;
  tier: string;
  /** Self-registered: created active in one statement. */
  selfRegistered?: boolean;
  topUpMicros?: number;
}

/**
 * The migration on a database that holds the rows of the schema before it:
 * every earlier migration applied, tenants on the old plans, then the
 * migration itself applied the way the control plane applies it.
 */
describe('PostpaidSubscriptionTiers1764500000000', () => {
  const name = `sluice_t_${testRunId()}_${randomSuffix()}`;
  let dataSource: DataSource;

  const tenants: TenantFixture[] = [
    { slug: 'basic-unfunded', tier: 'basic' },
    { slug: 'basic-funded', tier: 'basic', topUpMicros: 5_000_000 },
    { slug: 'professional-unfunded', tier: 'professional' },
    { slug: 'professional-funded', tier: 'professional', topUpMicros: 1 },
    { slug: 'enterprise', tier: 'enterprise' },
    { slug: 'free-admin-created', tier: 'free' },
    { slug: 'free-self-registered', tier: 'free', selfRegistered: true },
    { slug: 'custom', tier: 'custom' },
  ];

  beforeAll(async () => {
    await ensureDatabase(databaseUrl(name));
    const before = MIGRATIONS.slice(0, MIGRATIONS.indexOf(PostpaidSubscriptionTiers1764500000000));
    const earlier = await new DataSource({ ...dataSourceOptions(databaseUrl(name), 2), migrations: before }).initialize();
    try {
      await runMigrations(earlier);
      await earlier.query(`INSERT INTO plans (id, name, billing_mode) VALUES ('custom', 'Custom', 'prepaid')`);
      // The basic tier as an admin changed it: its prepaid copy takes the changed limits.
      await earlier.query(`UPDATE plans SET limits = limits || '{"rpm": 123}' WHERE id = 'basic'`);
      for (const tenant of tenants) {
        const [{ id }] = await earlier.query(
          tenant.selfRegistered
            ? `INSERT INTO tenants (name, slug, status, subscription_tier, activated_at) VALUES ($1::text, $1::text, 'active', $2, now()) RETURNING id`
            : `INSERT INTO tenants (name, slug, status, subscription_tier, created_at) VALUES ($1::text, $1::text, 'pending', $2, now() - interval '1 minute') RETURNING id`,
          [tenant.slug, tenant.tier],
        );
        if (!tenant.selfRegistered) await earlier.query(`UPDATE tenants SET status = 'active', activated_at = now() WHERE id = $1`, [id]);
        if (tenant.topUpMicros) {
          await earlier.query(`INSERT INTO credit_ledger (tenant_id, kind, amount_micros, reason) VALUES ($1, 'top_up', $2, 'test')`, [id, tenant.topUpMicros]);
          await earlier.query(`INSERT INTO credit_balances (tenant_id, balance_micros, top_ups_micros) VALUES ($1, $2, $2)`, [id, tenant.topUpMicros]);
        }
      }
    } finally {
      await earlier.destroy();
    }
    dataSource = await new DataSource(dataSourceOptions(databaseUrl(name), 2)).initialize();
    expect(await runMigrations(dataSource)).toContain('PostpaidSubscriptionTiers1764500000000');
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await dropDatabase(name);
  });

  it("makes the original tiers postpaid and adds prepaid plans of their own, copies of the tiers' limits", async () => {
    const plans: Array<{ id: string; billing_mode: string; rpm: number; allowed_models: string[] | null }> = await dataSource.query(
      `SELECT id, billing_mode, (limits->>'rpm')::int AS rpm, allowed_models FROM plans ORDER BY id`,
    );
    expect(plans).toEqual([
      { id: 'basic', billing_mode: 'postpaid', rpm: 123, allowed_models: null },
      { id: 'custom', billing_mode: 'prepaid', rpm: null, allowed_models: null },
      { id: 'enterprise', billing_mode: 'postpaid', rpm: 10_000, allowed_models: null },
      { id: 'free', billing_mode: 'postpaid', rpm: 60, allowed_models: ['mock-*', 'gpt-4o-mini', 'claude-3-haiku'] },
      { id: 'prepaid', billing_mode: 'prepaid', rpm: 123, allowed_models: null },
      { id: 'prepaid-professional', billing_mode: 'prepaid', rpm: 1_000, allowed_models: null },
      { id: 'professional', billing_mode: 'postpaid', rpm: 1_000, allowed_models: null },
    ]);
  });

  it('moves funded tenants to the prepaid copy of their tier and admin-created free tenants to basic; the rest stay', async () => {
    const rows: Array<{ slug: string; subscription_tier: string }> = await dataSource.query('SELECT slug::text, subscription_tier FROM tenants ORDER BY slug');
    expect(Object.fromEntries(rows.map((row) => [row.slug, row.subscription_tier]))).toEqual({
      'basic-unfunded': 'basic',
      'basic-funded': 'prepaid',
      'professional-unfunded': 'professional',
      'professional-funded': 'prepaid-professional',
      enterprise: 'enterprise',
      'free-admin-created': 'basic',
      'free-self-registered': 'free',
      custom: 'custom',
    });
  });

  it('creates tenants on basic when no tier is given', async () => {
    const [row]: Array<{ subscription_tier: string }> = await dataSource.query(
      `INSERT INTO tenants (name, slug, status) VALUES ('later', 'later', 'pending') RETURNING subscription_tier`,
    );
    expect(row.subscription_tier).toBe('basic');
  });
});
