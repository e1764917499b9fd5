import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Period statements (docs/billing.md): one per tenant and closed period, its
 * lines by model and environment (late usage of an earlier period on
 * adjustment lines), each usage event on exactly one statement, and each line
 * sent to Stripe once (its invoice item id recorded).
 */
export class Statements1764600000200 implements MigrationInterface {
  name = 'Statements1764600000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE statements (
        id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id           uuid NOT NULL REFERENCES tenants (id),
        period_start        timestamptz(3) NOT NULL,
        period_end          timestamptz(3) NOT NULL,
        plan_id             varchar(64) NOT NULL,
        billing_mode        varchar(16) NOT NULL,
        requests            bigint NOT NULL,
        usage_cost_micros   bigint NOT NULL,
        plan_fee_micros     bigint NOT NULL,
        credits_used_micros bigint NOT NULL,
        total_micros        bigint NOT NULL,
        closed_at           timestamptz(3) NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, period_start)
      )`);
    await queryRunner.query(`
      CREATE TABLE statement_lines (
        id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        statement_id            uuid NOT NULL REFERENCES statements (id),
        kind                    varchar(16) NOT NULL CHECK (kind IN ('usage', 'adjustment', 'plan_fee')),
        model                   varchar(128),
        environment             varchar(8),
        requests                bigint NOT NULL DEFAULT 0,
        prompt_tokens           bigint NOT NULL DEFAULT 0,
        completion_tokens       bigint NOT NULL DEFAULT 0,
        amount_micros           bigint NOT NULL,
        invoiceable             boolean NOT NULL,
        stripe_invoice_item_id  varchar(255),
        invoiced_at             timestamptz(3)
      )`);
    await queryRunner.query('CREATE INDEX statement_lines_statement ON statement_lines (statement_id)');
    await queryRunner.query('CREATE INDEX statement_lines_to_invoice ON statement_lines (statement_id) WHERE invoiceable AND stripe_invoice_item_id IS NULL');
    await queryRunner.query(`
      CREATE TABLE statement_usage (
        request_id    varchar(128) PRIMARY KEY,
        statement_id  uuid NOT NULL REFERENCES statements (id)
      )`);
    await queryRunner.query('CREATE INDEX statement_usage_statement ON statement_usage (statement_id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE statement_usage');
    await queryRunner.query('DROP TABLE statement_lines');
    await queryRunner.query('DROP TABLE statements');
  }
}
