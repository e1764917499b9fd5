import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Plans, prepaid credits and metering (docs/limits.md): the plan catalogue with
 * its four defaults, the append-only credit ledger with a running balance per
 * tenant, the usage events consumed from the Redis stream (unique by request
 * id, which makes redelivery harmless), their daily rollups and each tenant's
 * usage per quota period.
 *
 * Usage tables carry no foreign keys: they record facts the gateway already
 * authenticated, and an event must never be refused because, say, its key was
 * deleted in the meantime.
 */
export class CreateBillingAndMetering1764000000004 implements MigrationInterface {
  name = 'CreateBillingAndMetering1764000000004';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE plans (
        id                  varchar(64) PRIMARY KEY,
        name                varchar(150) NOT NULL,
        billing_mode        varchar(16) NOT NULL CHECK (billing_mode IN ('prepaid', 'postpaid')),
        price_monthly_cents bigint NOT NULL DEFAULT 0 CHECK (price_monthly_cents >= 0),
        period_days         integer NOT NULL DEFAULT 30 CHECK (period_days >= 1),
        limits              jsonb NOT NULL DEFAULT '{}',
        allowed_models      text[],
        entitlements        jsonb NOT NULL DEFAULT '{}',
        created_at          timestamptz(3) NOT NULL DEFAULT now(),
        updated_at          timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `INSERT INTO plans (id, name, billing_mode, price_monthly_cents, period_days, limits, entitlements) VALUES
       ('free', 'Free', 'postpaid', 0, 30,
        '{"rpm": 60, "rph": null, "rpd": null, "tpm": null, "tpd": null, "max_concurrency": null, "api_calls_per_period": 100000, "ai_tokens_per_period": 1000000, "max_users": 50, "max_keys": 100}',
        '{"streaming": true, "priority_support": false, "audit_export": false, "max_teams": 1}'),
       ('basic', 'Basic', 'prepaid', 2900, 30,
        '{"rpm": 300, "rph": 10000, "rpd": 100000, "tpm": 200000, "tpd": 5000000, "max_concurrency": 20, "api_calls_per_period": 1000000, "ai_tokens_per_period": 20000000, "max_users": 100, "max_keys": 200}',
        '{"streaming": true, "priority_support": false, "audit_export": false, "max_teams": 5}'),
       ('professional', 'Professional', 'prepaid', 9900, 30,
        '{"rpm": 1000, "rph": 50000, "rpd": 500000, "tpm": 1000000, "tpd": 50000000, "max_concurrency": 100, "api_calls_per_period": 10000000, "ai_tokens_per_period": 200000000, "max_users": 500, "max_keys": 1000}',
        '{"streaming": true, "priority_support": true, "audit_export": true, "max_teams": 50}'),
       ('enterprise', 'Enterprise', 'postpaid', 0, 30,
        '{"rpm": 10000, "rph": null, "rpd": null, "tpm": 10000000, "tpd": null, "max_concurrency": 1000, "api_calls_per_period": 1000000000, "ai_tokens_per_period": 100000000000, "max_users": 10000, "max_keys": 10000}',
        '{"streaming": true, "priority_support": true, "audit_export": true, "max_teams": 1000, "sso": true}')`,
    );

    await queryRunner.query(`
      CREATE TABLE usage_events (
        request_id             varchar(128) PRIMARY KEY,
        tenant_id              uuid NOT NULL,
        api_key_id             uuid NOT NULL,
        team_id                uuid,
        environment            varchar(8) NOT NULL,
        model                  varchar(128) NOT NULL,
        provider               varchar(64) NOT NULL,
        deployment             varchar(200),
        prompt_tokens          bigint NOT NULL,
        completion_tokens      bigint NOT NULL,
        cost_micros            bigint NOT NULL,
        usage_source           varchar(16) NOT NULL,
        outcome                varchar(16) NOT NULL,
        http_status            smallint NOT NULL,
        latency_ms             integer NOT NULL,
        time_to_first_token_ms integer,
        started_at             timestamptz(3) NOT NULL,
        finished_at            timestamptz(3) NOT NULL,
        recorded_at            timestamptz(3) NOT NULL DEFAULT now()
      )`);
    // No further indexes: every read goes through the rollups, and each index costs the ingest a B-tree insert per event.

    // One row per UTC day (of the request's start) and dimension; NULLS NOT DISTINCT so keys without a team share one row.
    await queryRunner.query(`
      CREATE TABLE usage_daily (
        day               date NOT NULL,
        tenant_id         uuid NOT NULL,
        api_key_id        uuid NOT NULL,
        team_id           uuid,
        model             varchar(128) NOT NULL,
        environment       varchar(8) NOT NULL,
        requests          bigint NOT NULL DEFAULT 0,
        prompt_tokens     bigint NOT NULL DEFAULT 0,
        completion_tokens bigint NOT NULL DEFAULT 0,
        cost_micros       bigint NOT NULL DEFAULT 0,
        CONSTRAINT usage_daily_dimensions UNIQUE NULLS NOT DISTINCT (tenant_id, day, api_key_id, team_id, model, environment)
      )`);
    await queryRunner.query('CREATE INDEX usage_daily_key_day ON usage_daily (api_key_id, day)');

    await queryRunner.query(`
      CREATE TABLE tenant_period_usage (
        tenant_id    uuid NOT NULL,
        period_start timestamptz(3) NOT NULL,
        api_calls    bigint NOT NULL DEFAULT 0,
        ai_tokens    bigint NOT NULL DEFAULT 0,
        cost_micros  bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, period_start)
      )`);

    await queryRunner.query(`
      CREATE TABLE credit_ledger (
        id            bigserial PRIMARY KEY,
        tenant_id     uuid NOT NULL REFERENCES tenants (id),
        kind          varchar(16) NOT NULL CHECK (kind IN ('top_up', 'usage')),
        amount_micros bigint NOT NULL,
        request_id    varchar(128) UNIQUE,
        reason        text NOT NULL DEFAULT '',
        created_by    uuid,
        created_at    timestamptz(3) NOT NULL DEFAULT now(),
        CHECK ((kind = 'usage') = (request_id IS NOT NULL))
      )`);
    await queryRunner.query('CREATE INDEX credit_ledger_tenant ON credit_ledger (tenant_id, id)');
    await queryRunner.query(`
      CREATE FUNCTION credit_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'credit_ledger is append-only';
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER credit_ledger_append_only BEFORE UPDATE OR DELETE ON credit_ledger
      FOR EACH ROW EXECUTE FUNCTION credit_ledger_append_only()`);
    // The ledger's sum (and its top-ups' sum) per tenant, kept in the same transaction as each append: reads never scan the ledger.
    await queryRunner.query(`
      CREATE TABLE credit_balances (
        tenant_id      uuid PRIMARY KEY REFERENCES tenants (id),
        balance_micros bigint NOT NULL DEFAULT 0,
        top_ups_micros bigint NOT NULL DEFAULT 0,
        updated_at     timestamptz(3) NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE credit_balances');
    await queryRunner.query('DROP TABLE credit_ledger');
    await queryRunner.query('DROP FUNCTION credit_ledger_append_only()');
    await queryRunner.query('DROP TABLE tenant_period_usage');
    await queryRunner.query('DROP TABLE usage_daily');
    await queryRunner.query('DROP TABLE usage_events');
    await queryRunner.query('DROP TABLE plans');
  }
}
