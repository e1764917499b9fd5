import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Keys and limits (docs/limits.md, Environments, Domain restrictions, Key deletion):
 * - four key environments (`live`, `test`, `staging`, `development`): the
 *   environment columns of keys and usage grow from 8 to 16 characters
 *   (a length increase of a varchar rewrites no table and no index);
 * - a key's domain restriction: `allowed_origins` (host patterns, null = any)
 *   and `allow_no_origin` (requests with neither Origin nor Referer);
 * - `deleted_at`: a deleted key is revoked and hidden from lists, while its row
 *   stays for the usage and audit that name it.
 */
export class KeyEnvironmentsOriginsDeletion1764700004000 implements MigrationInterface {
  name = 'KeyEnvironmentsOriginsDeletion1764700004000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE api_keys DROP CONSTRAINT api_keys_environment_check');
    await queryRunner.query('ALTER TABLE api_keys ALTER COLUMN environment TYPE varchar(16)');
    await queryRunner.query(`ALTER TABLE api_keys ADD CONSTRAINT api_keys_environment_check CHECK (environment IN ('live', 'test', 'staging', 'development'))`);
    await queryRunner.query('ALTER TABLE api_keys ADD COLUMN allowed_origins text[], ADD COLUMN allow_no_origin boolean NOT NULL DEFAULT true, ADD COLUMN deleted_at timestamptz(3)');
    await queryRunner.query('ALTER TABLE usage_events ALTER COLUMN environment TYPE varchar(16)');
    await queryRunner.query('ALTER TABLE usage_daily ALTER COLUMN environment TYPE varchar(16)');
    await queryRunner.query('ALTER TABLE statement_lines ALTER COLUMN environment TYPE varchar(16)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE api_keys DROP COLUMN allowed_origins, DROP COLUMN allow_no_origin, DROP COLUMN deleted_at');
    await queryRunner.query('ALTER TABLE api_keys DROP CONSTRAINT api_keys_environment_check');
    await queryRunner.query(`ALTER TABLE api_keys ADD CONSTRAINT api_keys_environment_check CHECK (environment IN ('live', 'test'))`);
  }
}
