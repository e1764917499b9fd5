import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The keys a user created are looked up (and locked) whenever the user is
 * removed, demoted or deactivated, and at start-up by the reconciliation of
 * keys above their owner's role.
 */
export class ApiKeysCreatedByIndex1764500000200 implements MigrationInterface {
  name = 'ApiKeysCreatedByIndex1764500000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE INDEX api_keys_created_by ON api_keys (created_by) WHERE created_by IS NOT NULL');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX api_keys_created_by');
  }
}
