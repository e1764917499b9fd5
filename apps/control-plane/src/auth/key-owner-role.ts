import { Injectable } from '@nestjs/common';
import type { TenantRole } from '@sluice/auth';
import { MembershipsRepository, UsersRepository, type ApiKeyRow, type Reader, type UserRow } from '@sluice/control-plane/data-access';

/**
 * The read half of "a key never acts above its owner": the role a key's
 * owner has in the key's tenant now, read on every control-plane request a
 * key makes (so a change of role is in force there at once). The write half,
 * which revokes or narrows the keys themselves, is `ApiKeyOwners`.
 */
@Injectable()
export class KeyOwnerRole {
  constructor(
    protected readonly users: UsersRepository,
    protected readonly memberships: MembershipsRepository,
  ) {}

  /** The role the key's owner has in its tenant now: `owner` for a service key, null when the owner is gone or inactive. */
  async ownerRole(key: Pick<ApiKeyRow, 'tenant_id' | 'created_by'>, db?: Reader): Promise<TenantRole | null> {
    if (key.created_by === null) return 'owner';
    return this.roleOf(await this.users.findById(key.created_by, db), key.tenant_id, db);
  }

  protected async roleOf(user: UserRow | null, tenantId: string, db?: Reader): Promise<TenantRole | null> {
    if (!user || !user.is_active) return null;
    if (user.is_platform_admin) return 'owner';
    return (await this.memberships.findByUser(tenantId, user.id, db))?.role ?? null;
  }
}
