import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Invitations to a tenant (docs/decisions.md, Membership by email): mailed
 * with a single-use token, of which only the SHA-256 is kept; at most one
 * pending invitation per tenant and address (inviting again renews it).
 */
export class Invitations1764700003100 implements MigrationInterface {
  name = 'Invitations1764700003100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE invitations (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id        uuid NOT NULL REFERENCES tenants (id),
        email            citext NOT NULL,
        role             varchar(16) NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
        token_hash       char(64) NOT NULL UNIQUE,
        invited_by       uuid REFERENCES users (id),
        expires_at       timestamptz(3) NOT NULL,
        accepted_at      timestamptz(3),
        accepted_user_id uuid REFERENCES users (id),
        revoked_at       timestamptz(3),
        created_at       timestamptz(3) NOT NULL DEFAULT now(),
        updated_at       timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query('CREATE UNIQUE INDEX invitations_pending_once ON invitations (tenant_id, email) WHERE accepted_at IS NULL AND revoked_at IS NULL');
    await queryRunner.query('CREATE INDEX invitations_tenant_newest ON invitations (tenant_id, created_at DESC)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE invitations');
  }
}
