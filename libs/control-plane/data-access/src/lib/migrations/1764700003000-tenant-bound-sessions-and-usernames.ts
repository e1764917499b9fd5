import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Accounts (docs/decisions.md, Identity and tenancy): a session may be bound
 * to one tenant (its refresh tokens remember which, so a refresh stays bound),
 * and a user may have a username, unique regardless of case, besides the email.
 */
export class TenantBoundSessionsAndUsernames1764700003000 implements MigrationInterface {
  name = 'TenantBoundSessionsAndUsernames1764700003000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE refresh_tokens ADD COLUMN tenant_id uuid REFERENCES tenants (id)');
    await queryRunner.query('ALTER TABLE users ADD COLUMN username citext UNIQUE');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE users DROP COLUMN username');
    await queryRunner.query('ALTER TABLE refresh_tokens DROP COLUMN tenant_id');
  }
}
