import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The tamper-evident audit log (docs/decisions.md, Audit log): one hash chain per tenant
 * plus the platform chain (tenant_id NULL), `seq` gap-free within a chain.
 * The table is append-only: a trigger refuses UPDATE, DELETE and TRUNCATE.
 */
export class CreateAuditEvents1764000000001 implements MigrationInterface {
  name = 'CreateAuditEvents1764000000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE audit_events (
        -- Taken from the sequence before hashing: the id is part of the hashed event.
        id            bigint PRIMARY KEY,
        tenant_id     uuid,
        chain_id      uuid GENERATED ALWAYS AS (COALESCE(tenant_id, '00000000-0000-0000-0000-000000000000'::uuid)) STORED,
        seq           bigint NOT NULL CHECK (seq >= 1),
        event_type    varchar(100) NOT NULL,
        actor_type    varchar(16) NOT NULL CHECK (actor_type IN ('user', 'api_key', 'system')),
        actor_id      text,
        actor_email   text,
        resource_type varchar(64) NOT NULL,
        resource_id   text,
        payload       jsonb NOT NULL,
        ip_address    text,
        user_agent    text,
        request_id    text,
        -- Milliseconds, the precision of a JavaScript Date: a stored event re-hashes exactly.
        occurred_at   timestamptz(3) NOT NULL,
        prev_hash     char(64),
        hash          char(64) NOT NULL,
        CONSTRAINT audit_events_chain_seq UNIQUE (chain_id, seq)
      )`);
    await queryRunner.query('CREATE SEQUENCE audit_events_id_seq OWNED BY audit_events.id');
    await queryRunner.query('CREATE INDEX audit_events_tenant_newest ON audit_events (tenant_id, id DESC)');
    await queryRunner.query('CREATE INDEX audit_events_type_newest ON audit_events (event_type text_pattern_ops, id DESC)');
    await queryRunner.query('CREATE INDEX audit_events_resource ON audit_events (resource_type, resource_id, id DESC)');
    await queryRunner.query('CREATE INDEX audit_events_actor ON audit_events (actor_id, id DESC)');
    await queryRunner.query('CREATE INDEX audit_events_occurred_at ON audit_events (occurred_at)');
    await queryRunner.query(`
      CREATE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
      FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change()`);
    await queryRunner.query(`
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
      FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE audit_events');
    await queryRunner.query('DROP FUNCTION audit_events_refuse_change()');
  }
}
