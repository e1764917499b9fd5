import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The older team-based billing API's products are plans (docs/billing.md): a plan can be retired
 * (`active`), and carries the product fields that have no limit to drive yet
 * (`extras`). The pricing table Checkout shows is a platform setting.
 */
export class BillingProducts1764600000100 implements MigrationInterface {
  name = 'BillingProducts1764600000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE plans ADD COLUMN active boolean NOT NULL DEFAULT true, ADD COLUMN extras jsonb NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`
      CREATE TABLE billing_settings (
        key         varchar(64) PRIMARY KEY,
        value       text,
        updated_at  timestamptz(3) NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE billing_settings');
    await queryRunner.query('ALTER TABLE plans DROP COLUMN active, DROP COLUMN extras');
  }
}
