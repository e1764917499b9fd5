import type { MigrationInterface, QueryRunner } from 'typeorm';

/** What the free plan (self-service sign-up) reaches: the sandbox mock models and the cheapest model of each provider. */
const FREE_PLAN_MODELS = ['mock-*', 'gpt-4o-mini', 'claude-3-haiku'];

/**
 * The original tiers are subscriptions (docs/limits.md, Plans): `basic`,
 * `professional` and `enterprise` become postpaid, and prepaid credit moves to
 * plans of its own, `prepaid` and `prepaid-professional`, copies of the two
 * tiers' current limits. Before, a tenant created as `basic` was prepaid with
 * a zero balance and every request was a 402.
 *
 * Existing rows:
 * - a `basic` or `professional` tenant that was ever topped up chose prepaid
 *   credit: it moves to the prepaid copy of its tier, so it keeps its limits and
 *   its balance keeps paying;
 * - the free plan becomes the sign-up plan and reaches only cheap models; an
 *   admin-created tenant on it (not self-registered: a self-registered tenant is
 *   created active, so its `activated_at` equals its `created_at`) moves to
 *   `basic`, the new default tier, and keeps every model it had.
 */
export class PostpaidSubscriptionTiers1764500000000 implements MigrationInterface {
  name = 'PostpaidSubscriptionTiers1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const [prepaid, name, tier] of [
      ['prepaid', 'Prepaid', 'basic'],
      ['prepaid-professional', 'Prepaid Professional', 'professional'],
    ]) {
      // A copy of the tier as it is now (an admin may have changed its limits); ON CONFLICT keeps a plan of that id an admin made.
      await queryRunner.query(
        `INSERT INTO plans (id, name, billing_mode, price_monthly_cents, period_days, limits, allowed_models, entitlements)
         SELECT $1, $2, 'prepaid', 0, period_days, limits, allowed_models, entitlements FROM plans WHERE id = $3
         ON CONFLICT (id) DO NOTHING`,
        [prepaid, name, tier],
      );
      await queryRunner.query(
        `UPDATE tenants SET subscription_tier = $1, updated_at = now()
         WHERE subscription_tier = $2 AND id IN (SELECT tenant_id FROM credit_balances WHERE top_ups_micros > 0)
           AND EXISTS (SELECT 1 FROM plans WHERE id = $1)`,
        [prepaid, tier],
      );
    }
    await queryRunner.query(
      `UPDATE plans SET billing_mode = 'postpaid', updated_at = now() WHERE id IN ('basic', 'professional', 'enterprise') AND billing_mode <> 'postpaid'`,
    );

    await queryRunner.query(
      `UPDATE tenants SET subscription_tier = 'basic', updated_at = now()
       WHERE subscription_tier = 'free' AND (activated_at IS NULL OR activated_at <> created_at)
         AND EXISTS (SELECT 1 FROM plans WHERE id = 'basic')`,
    );
    // An admin who already narrowed the free plan's models keeps their list.
    await queryRunner.query(`UPDATE plans SET allowed_models = $1, updated_at = now() WHERE id = 'free' AND allowed_models IS NULL`, [FREE_PLAN_MODELS]);
    await queryRunner.query(`ALTER TABLE tenants ALTER COLUMN subscription_tier SET DEFAULT 'basic'`);
  }

  /** Restores the plans' billing modes and defaults; tenants moved to other plans stay where they are. */
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE tenants ALTER COLUMN subscription_tier SET DEFAULT 'free'`);
    await queryRunner.query(`UPDATE plans SET allowed_models = NULL WHERE id = 'free' AND allowed_models = $1`, [FREE_PLAN_MODELS]);
    await queryRunner.query(`UPDATE plans SET billing_mode = 'prepaid' WHERE id IN ('basic', 'professional')`);
  }
}
