import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outbound webhooks (docs/webhooks.md): endpoints with their sealed signing
 * secrets, the outbox a change writes its events to in its own transaction,
 * one delivery per event and subscribed endpoint with every attempt logged,
 * and the usage thresholds already announced (once per period and threshold).
 */
export class Webhooks1764700002000 implements MigrationInterface {
  name = 'Webhooks1764700002000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE webhook_endpoints (
        id                          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id                   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        url                         varchar(2048) NOT NULL,
        events                      varchar(64)[] NOT NULL,
        description                 varchar(500) NOT NULL DEFAULT '',
        enabled                     boolean NOT NULL DEFAULT true,
        secret_sealed               text NOT NULL,
        previous_secret_sealed      text,
        previous_secret_expires_at  timestamptz(3),
        failing_since               timestamptz(3),
        disabled_reason             varchar(64),
        created_at                  timestamptz(3) NOT NULL DEFAULT now(),
        updated_at                  timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query('CREATE INDEX webhook_endpoints_tenant_idx ON webhook_endpoints (tenant_id, created_at)');
    await queryRunner.query(`
      CREATE TABLE webhook_outbox (
        id           bigserial PRIMARY KEY,
        message_id   varchar(40) NOT NULL DEFAULT 'msg_' || replace(gen_random_uuid()::text, '-', ''),
        tenant_id    uuid NOT NULL,
        event_type   varchar(64) NOT NULL,
        endpoint_id  uuid,
        body         jsonb NOT NULL,
        created_at   timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE webhook_deliveries (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        endpoint_id      uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        tenant_id        uuid NOT NULL,
        message_id       varchar(40) NOT NULL,
        event_type       varchar(64) NOT NULL,
        body             jsonb NOT NULL,
        status           varchar(16) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
        attempt_count    integer NOT NULL DEFAULT 0,
        schedule_step    integer NOT NULL DEFAULT 0,
        next_attempt_at  timestamptz(3),
        lease_until      timestamptz(3),
        created_at       timestamptz(3) NOT NULL DEFAULT now(),
        updated_at       timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query('CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, created_at DESC)');
    await queryRunner.query(`CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending'`);
    await queryRunner.query(`
      CREATE TABLE webhook_attempts (
        id                bigserial PRIMARY KEY,
        delivery_id       uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
        attempted_at      timestamptz(3) NOT NULL DEFAULT now(),
        status_code       integer,
        duration_ms       integer NOT NULL,
        response_excerpt  varchar(1024) NOT NULL DEFAULT '',
        error             varchar(512),
        next_attempt_at   timestamptz(3)
      )`);
    await queryRunner.query('CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, id)');
    await queryRunner.query(`
      CREATE TABLE webhook_usage_thresholds (
        tenant_id     uuid NOT NULL,
        subject       varchar(128) NOT NULL,
        period_start  varchar(32) NOT NULL,
        threshold     integer NOT NULL,
        created_at    timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, subject, period_start, threshold)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE webhook_usage_thresholds');
    await queryRunner.query('DROP TABLE webhook_attempts');
    await queryRunner.query('DROP TABLE webhook_deliveries');
    await queryRunner.query('DROP TABLE webhook_outbox');
    await queryRunner.query('DROP TABLE webhook_endpoints');
  }
}
