import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Integrations (docs/integrations.md): a tenant's partner services, the
 * events they push in (one row per provider event id, so a redelivery is the
 * same row), their last health probe, the data syncs pulled from them and the
 * records those syncs keep (one per provider, type and external id).
 */
export class Integrations1764700001000 implements MigrationInterface {
  name = 'Integrations1764700001000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE integration_providers (
        id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id              uuid NOT NULL REFERENCES tenants (id),
        name                   varchar(100) NOT NULL,
        webhook_url            varchar(2048),
        api_base_url           varchar(2048),
        auth_type              varchar(16) NOT NULL DEFAULT 'none' CHECK (auth_type IN ('none', 'api_key', 'bearer', 'oauth2', 'basic', 'hmac')),
        secret_sealed          text,
        is_active              boolean NOT NULL DEFAULT true,
        map_users              boolean NOT NULL DEFAULT false,
        allowed_ips            text[] NOT NULL DEFAULT '{}',
        rate_limit_per_minute  integer CHECK (rate_limit_per_minute > 0),
        created_at             timestamptz(3) NOT NULL DEFAULT now(),
        updated_at             timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT integration_providers_name_per_tenant UNIQUE (tenant_id, name)
      )`);
    await queryRunner.query('CREATE INDEX integration_providers_name ON integration_providers (name)');
    await queryRunner.query(`
      CREATE TABLE integration_events (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id     uuid NOT NULL REFERENCES tenants (id),
        provider_id   uuid NOT NULL REFERENCES integration_providers (id) ON DELETE CASCADE,
        event_id      varchar(255) NOT NULL,
        event_type    varchar(100) NOT NULL,
        payload       jsonb NOT NULL,
        status        varchar(16) NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'processing', 'processed', 'failed')),
        retry_count   integer NOT NULL DEFAULT 0,
        outcome       varchar(255),
        error         text,
        created_at    timestamptz(3) NOT NULL DEFAULT now(),
        updated_at    timestamptz(3) NOT NULL DEFAULT now(),
        processed_at  timestamptz(3),
        CONSTRAINT integration_events_once UNIQUE (provider_id, event_id)
      )`);
    await queryRunner.query('CREATE INDEX integration_events_tenant ON integration_events (tenant_id, created_at DESC)');
    await queryRunner.query(`CREATE INDEX integration_events_unfinished ON integration_events (updated_at) WHERE status IN ('received', 'processing')`);
    await queryRunner.query(`
      CREATE TABLE integration_health (
        provider_id       uuid PRIMARY KEY REFERENCES integration_providers (id) ON DELETE CASCADE,
        tenant_id         uuid NOT NULL REFERENCES tenants (id),
        status            varchar(16) NOT NULL CHECK (status IN ('healthy', 'degraded', 'down')),
        response_time_ms  integer,
        error_message     text NOT NULL DEFAULT '',
        last_check        timestamptz(3) NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE integration_syncs (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id        uuid NOT NULL REFERENCES tenants (id),
        provider_id      uuid NOT NULL REFERENCES integration_providers (id) ON DELETE CASCADE,
        sync_type        varchar(32) NOT NULL,
        status           varchar(16) NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'completed', 'failed')),
        next_page        integer NOT NULL DEFAULT 1,
        pages            integer NOT NULL DEFAULT 0,
        total            integer,
        records_created  integer NOT NULL DEFAULT 0,
        records_updated  integer NOT NULL DEFAULT 0,
        errors           jsonb NOT NULL DEFAULT '[]',
        created_at       timestamptz(3) NOT NULL DEFAULT now(),
        started_at       timestamptz(3),
        finished_at      timestamptz(3)
      )`);
    await queryRunner.query('CREATE INDEX integration_syncs_tenant ON integration_syncs (tenant_id, created_at DESC)');
    await queryRunner.query(`
      CREATE TABLE integration_records (
        provider_id   uuid NOT NULL REFERENCES integration_providers (id) ON DELETE CASCADE,
        record_type   varchar(32) NOT NULL,
        external_id   varchar(255) NOT NULL,
        tenant_id     uuid NOT NULL REFERENCES tenants (id),
        data          jsonb NOT NULL,
        created_at    timestamptz(3) NOT NULL DEFAULT now(),
        updated_at    timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (provider_id, record_type, external_id)
      )`);
    await queryRunner.query('CREATE INDEX integration_records_tenant ON integration_records (tenant_id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE integration_records');
    await queryRunner.query('DROP TABLE integration_syncs');
    await queryRunner.query('DROP TABLE integration_health');
    await queryRunner.query('DROP TABLE integration_events');
    await queryRunner.query('DROP TABLE integration_providers');
  }
}
