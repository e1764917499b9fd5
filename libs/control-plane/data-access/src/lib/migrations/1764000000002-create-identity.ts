import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Identity and tenancy (docs/decisions.md, Identity and tenancy): users, tenants, memberships, teams,
 * refresh-token families and personal access tokens. Secrets are stored only
 * as hashes (argon2id for passwords, SHA-256 for random tokens).
 */
export class CreateIdentity1764000000002 implements MigrationInterface {
  name = 'CreateIdentity1764000000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE users (
        id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email             citext NOT NULL UNIQUE,
        password_hash     text,
        first_name        varchar(150) NOT NULL DEFAULT '',
        last_name         varchar(150) NOT NULL DEFAULT '',
        is_active         boolean NOT NULL DEFAULT true,
        is_platform_admin boolean NOT NULL DEFAULT false,
        last_login_at     timestamptz(3),
        created_at        timestamptz(3) NOT NULL DEFAULT now(),
        updated_at        timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE tenants (
        id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name              varchar(200) NOT NULL,
        slug              citext NOT NULL UNIQUE,
        domain            citext UNIQUE,
        status            varchar(16) NOT NULL CHECK (status IN ('pending', 'active', 'suspended', 'deleted')),
        subscription_tier varchar(64) NOT NULL DEFAULT 'free',
        contact_email     varchar(254) NOT NULL DEFAULT '',
        contact_name      varchar(200) NOT NULL DEFAULT '',
        contact_phone     varchar(50) NOT NULL DEFAULT '',
        billing_email     varchar(254) NOT NULL DEFAULT '',
        settings          jsonb NOT NULL DEFAULT '{}',
        quota_overrides   jsonb NOT NULL DEFAULT '{}',
        activated_at      timestamptz(3),
        suspended_at      timestamptz(3),
        suspension_reason text NOT NULL DEFAULT '',
        deleted_at        timestamptz(3),
        last_reset_at     timestamptz(3) NOT NULL DEFAULT now(),
        created_at        timestamptz(3) NOT NULL DEFAULT now(),
        updated_at        timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query('CREATE INDEX tenants_status ON tenants (status)');
    await queryRunner.query(`
      CREATE TABLE teams (
        id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id   uuid NOT NULL REFERENCES tenants (id),
        name        varchar(150) NOT NULL,
        description text NOT NULL DEFAULT '',
        limits      jsonb NOT NULL DEFAULT '{}',
        created_at  timestamptz(3) NOT NULL DEFAULT now(),
        updated_at  timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT teams_name_per_tenant UNIQUE (tenant_id, name)
      )`);
    await queryRunner.query(`
      CREATE TABLE tenant_users (
        id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id  uuid NOT NULL REFERENCES tenants (id),
        user_id    uuid NOT NULL REFERENCES users (id),
        role       varchar(16) NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
        team_id    uuid REFERENCES teams (id) ON DELETE SET NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT tenant_users_once UNIQUE (tenant_id, user_id)
      )`);
    await queryRunner.query('CREATE INDEX tenant_users_user ON tenant_users (user_id)');
    await queryRunner.query(`
      CREATE TABLE refresh_tokens (
        id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id     uuid NOT NULL REFERENCES users (id),
        family_id   uuid NOT NULL,
        token_hash  char(64) NOT NULL UNIQUE,
        expires_at  timestamptz(3) NOT NULL,
        used_at     timestamptz(3),
        revoked_at  timestamptz(3),
        created_at  timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query('CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id)');
    await queryRunner.query('CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id) WHERE revoked_at IS NULL');
    await queryRunner.query(`
      CREATE TABLE personal_access_tokens (
        id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id      uuid NOT NULL REFERENCES users (id),
        name         varchar(150) NOT NULL,
        token_hash   char(64) NOT NULL UNIQUE,
        prefix       varchar(16) NOT NULL,
        last4        varchar(4) NOT NULL,
        expires_at   timestamptz(3),
        last_used_at timestamptz(3),
        revoked_at   timestamptz(3),
        created_at   timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query('CREATE INDEX personal_access_tokens_user ON personal_access_tokens (user_id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['personal_access_tokens', 'refresh_tokens', 'tenant_users', 'teams', 'tenants', 'users']) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
  }
}
