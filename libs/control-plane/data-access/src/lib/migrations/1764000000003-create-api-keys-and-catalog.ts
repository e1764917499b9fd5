import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tenant API keys, the model catalog and regions (README.md), and
 * the projection outbox: the Redis records to rewrite, queued in the same
 * transaction as the change so that a failed Redis write is retried, not lost.
 */
export class CreateApiKeysAndCatalog1764000000003 implements MigrationInterface {
  name = 'CreateApiKeysAndCatalog1764000000003';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE api_keys (
        id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id               uuid NOT NULL REFERENCES tenants (id),
        team_id                 uuid REFERENCES teams (id) ON DELETE SET NULL,
        created_by              uuid REFERENCES users (id),
        name                    varchar(150) NOT NULL,
        key_hash                char(64) NOT NULL UNIQUE,
        prefix                  varchar(16) NOT NULL,
        last4                   varchar(4) NOT NULL,
        environment             varchar(8) NOT NULL CHECK (environment IN ('live', 'test')),
        scopes                  text[] NOT NULL DEFAULT '{inference}',
        status                  varchar(16) NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
        expires_at              timestamptz(3),
        allowed_models          text[],
        allowed_ips             text[],
        allowed_regions         text[],
        limits                  jsonb NOT NULL DEFAULT '{}',
        last_used_at            timestamptz(3),
        revoked_at              timestamptz(3),
        previous_key_hash       char(64) UNIQUE,
        previous_key_expires_at timestamptz(3),
        rotated_at              timestamptz(3),
        created_at              timestamptz(3) NOT NULL DEFAULT now(),
        updated_at              timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query('CREATE INDEX api_keys_tenant ON api_keys (tenant_id, created_at)');
    await queryRunner.query(`
      CREATE TABLE regions (
        id          varchar(64) PRIMARY KEY,
        name        varchar(150) NOT NULL,
        description text NOT NULL DEFAULT '',
        is_active   boolean NOT NULL DEFAULT true,
        created_at  timestamptz(3) NOT NULL DEFAULT now(),
        updated_at  timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE models (
        id                varchar(128) PRIMARY KEY,
        aliases           text[] NOT NULL DEFAULT '{}',
        provider          varchar(32) NOT NULL,
        deployments       jsonb NOT NULL DEFAULT '[]',
        fallbacks         text[] NOT NULL DEFAULT '{}',
        pricing           jsonb NOT NULL,
        context_window    integer NOT NULL,
        max_output_tokens integer NOT NULL,
        capabilities      text[] NOT NULL DEFAULT '{}',
        sandbox           boolean NOT NULL DEFAULT false,
        enabled           boolean NOT NULL DEFAULT true,
        created_at        timestamptz(3) NOT NULL DEFAULT now(),
        updated_at        timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE projection_outbox (
        id         bigserial PRIMARY KEY,
        kind       varchar(16) NOT NULL CHECK (kind IN ('api_key', 'tenant', 'catalog')),
        target     text NOT NULL DEFAULT '',
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['projection_outbox', 'models', 'regions', 'api_keys']) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
  }
}
