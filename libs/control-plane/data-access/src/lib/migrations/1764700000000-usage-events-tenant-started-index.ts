import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The period close puts a tenant's unplaced usage events before the period's
 * end on its statement: without this index every close read the whole
 * `usage_events` table (docs/billing.md, "Placing usage on statements").
 */
export class UsageEventsTenantStartedIndex1764700000000 implements MigrationInterface {
  name = 'UsageEventsTenantStartedIndex1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE INDEX usage_events_tenant_started ON usage_events (tenant_id, started_at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX usage_events_tenant_started');
  }
}
