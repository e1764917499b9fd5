import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stripe billing (docs/billing.md): the tenant's Stripe customer, subscription,
 * last payment and billing contact; every webhook event received, once by its
 * id; and per Stripe object the newest event applied, so an older event
 * delivered late never undoes a newer state.
 */
export class StripeBilling1764600000000 implements MigrationInterface {
  name = 'StripeBilling1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE tenants
        ADD COLUMN stripe_customer_id varchar(255) UNIQUE,
        ADD COLUMN stripe_subscription_id varchar(255),
        ADD COLUMN last_payment timestamptz(3),
        ADD COLUMN billing_status varchar(16) NOT NULL DEFAULT 'current' CHECK (billing_status IN ('current', 'past_due')),
        ADD COLUMN past_due_since timestamptz(3),
        ADD COLUMN admin_email varchar(254) NOT NULL DEFAULT '',
        ADD COLUMN billing_address text NOT NULL DEFAULT ''`);
    await queryRunner.query(`
      CREATE TABLE stripe_events (
        id           varchar(255) PRIMARY KEY,
        type         varchar(255) NOT NULL,
        created      timestamptz(3) NOT NULL,
        tenant_id    uuid REFERENCES tenants (id),
        object_id    varchar(255),
        outcome      varchar(32) NOT NULL,
        received_at  timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query('CREATE INDEX stripe_events_tenant ON stripe_events (tenant_id, received_at)');
    await queryRunner.query(`
      CREATE TABLE stripe_object_versions (
        object_key          varchar(300) PRIMARY KEY,
        last_event_created  timestamptz(3) NOT NULL,
        last_event_id       varchar(255) NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE stripe_object_versions');
    await queryRunner.query('DROP TABLE stripe_events');
    await queryRunner.query(`
      ALTER TABLE tenants DROP COLUMN stripe_customer_id, DROP COLUMN stripe_subscription_id, DROP COLUMN last_payment,
        DROP COLUMN billing_status, DROP COLUMN past_due_since, DROP COLUMN admin_email, DROP COLUMN billing_address`);
  }
}
