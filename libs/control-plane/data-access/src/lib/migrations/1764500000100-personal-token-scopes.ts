import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Personal access tokens get scopes (`read`, `write`) and end on a password
 * change unless created to survive one.
 */
export class PersonalTokenScopes1764500000100 implements MigrationInterface {
  name = 'PersonalTokenScopes1764500000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE personal_access_tokens
        ADD COLUMN scopes text[] NOT NULL DEFAULT '{read,write}',
        ADD COLUMN survives_password_change boolean NOT NULL DEFAULT false`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE personal_access_tokens DROP COLUMN scopes, DROP COLUMN survives_password_change');
  }
}
