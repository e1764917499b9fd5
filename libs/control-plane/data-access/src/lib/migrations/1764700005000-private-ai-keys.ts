import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Private AI keys (docs/private-ai-keys.md): a region may name the PostgreSQL
 * server its private databases live on (the admin URL sealed with
 * SECRETS_KEY), and each private key records the database and login role it
 * owns there, its sealed password and its measured size. The built-in plans get the
 * default `vector_db_count` of docs/limits.md unless an admin already set one;
 * enterprise stays unlimited.
 */
export class PrivateAiKeys1764700005000 implements MigrationInterface {
  name = 'PrivateAiKeys1764700005000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE regions
        ADD COLUMN database_host varchar(253),
        ADD COLUMN database_port integer CHECK (database_port BETWEEN 1 AND 65535),
        ADD COLUMN database_admin_url_sealed text`);
    await queryRunner.query(`
      CREATE TABLE private_ai_keys (
        id                  uuid PRIMARY KEY REFERENCES api_keys (id),
        tenant_id           uuid NOT NULL REFERENCES tenants (id),
        region_id           varchar(64) NOT NULL REFERENCES regions (id),
        database_name       varchar(63) NOT NULL,
        database_username   varchar(63) NOT NULL,
        database_host       varchar(253) NOT NULL,
        database_port       integer NOT NULL,
        password_sealed     text NOT NULL,
        vector_enabled      boolean NOT NULL DEFAULT false,
        status              varchar(16) NOT NULL DEFAULT 'ready' CHECK (status IN ('ready', 'deleting', 'deleted')),
        storage_bytes       bigint,
        storage_measured_at timestamptz(3),
        created_at          timestamptz(3) NOT NULL DEFAULT now(),
        updated_at          timestamptz(3) NOT NULL DEFAULT now(),
        deleted_at          timestamptz(3)
      )`);
    await queryRunner.query('CREATE INDEX private_ai_keys_tenant ON private_ai_keys (tenant_id, created_at) WHERE status <> \'deleted\'');
    await queryRunner.query('CREATE INDEX private_ai_keys_pending ON private_ai_keys (status) WHERE status = \'deleting\'');
    await queryRunner.query('CREATE UNIQUE INDEX private_ai_keys_database ON private_ai_keys (region_id, database_name)');
    for (const [plan, count] of Object.entries(DEFAULT_VECTOR_DB_COUNT)) {
      await queryRunner.query(
        `UPDATE plans SET extras = extras || jsonb_build_object('vector_db_count', $2::int) WHERE id = $1 AND NOT (extras ? 'vector_db_count')`,
        [plan, count],
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE private_ai_keys');
    await queryRunner.query('ALTER TABLE regions DROP COLUMN database_host, DROP COLUMN database_port, DROP COLUMN database_admin_url_sealed');
  }
}

/** docs/limits.md, Private databases. */
const DEFAULT_VECTOR_DB_COUNT: Record<string, number> = {
  free: 1,
  basic: 3,
  prepaid: 3,
  professional: 10,
  'prepaid-professional': 10,
};
