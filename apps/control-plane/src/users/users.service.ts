import { Injectable } from '@nestjs/common';
import { isUniqueViolation, PersonalTokensRepository, UnitOfWork, UsersRepository, type Transaction, type UserChanges, type UserRow } from '@sluice/control-plane/data-access';
import { isUuid } from '@sluice/contracts';
import { SluiceException } from '@sluice/platform';
import { pageWindow } from '@sluice/platform/openapi';
import { ApiKeyOwners } from '../api-keys/api-key-owners';
import { AuditService } from '../audit/audit.service';
import { Passwords } from '../auth/passwords';
import { requirePlatformAdmin, type Principal } from '../auth/principal';
import { Sessions } from '../auth/sessions';
import { Projector } from '../projection/projector';
import type { CreateUserDto, ListUsersQueryDto, UpdateUserDto } from './dto/user.dto';
import { userView, type UserView } from './user-view';

/** `/api/users/`: platform admins manage every account. Users events go to the platform chain (docs/decisions.md, Audit events). */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly passwords: Passwords,
    private readonly sessions: Sessions,
    private readonly personalTokens: PersonalTokensRepository,
    private readonly audit: AuditService,
    private readonly keyOwners: ApiKeyOwners,
    private readonly projector: Projector,
  ) {}

  async list(principal: Principal, query: ListUsersQueryDto): Promise<{ count: number; results: UserView[] }> {
    requirePlatformAdmin(principal);
    const slice = await this.users.list({ search: query.search, isActive: query.is_active }, { ...pageWindow(query), ordering: query.ordering });
    return { count: slice.count, results: slice.rows.map(userView) };
  }

  async get(principal: Principal, id: string): Promise<UserView> {
    requirePlatformAdmin(principal);
    return userView(await this.find(id));
  }

  async create(principal: Principal, dto: CreateUserDto): Promise<UserView> {
    requirePlatformAdmin(principal);
    const passwordHash = await this.passwords.hash(dto.password);
    return userView(
      await this.unitOfWork.run((tx) =>
        this.insert(tx, { email: dto.email, passwordHash, firstName: dto.first_name, lastName: dto.last_name, isPlatformAdmin: dto.is_platform_admin, isActive: dto.is_active }),
      ),
    );
  }

  /** Also used by registration and membership-by-email, inside their transactions. */
  async insert(tx: Transaction, user: Parameters<UsersRepository['create']>[1]): Promise<UserRow> {
    try {
      const row = await this.users.create(tx, user);
      await this.audit.record(tx, { tenantId: null, eventType: 'user.created', resourceType: 'user', resourceId: row.id, new: userView(row) });
      return row;
    } catch (error) {
      if (isUniqueViolation(error, 'users_email_key')) throw new SluiceException('conflict', `A user with email ${user.email} already exists`, {}, 'email');
      if (isUniqueViolation(error, 'users_username_key')) throw new SluiceException('conflict', 'This username is taken', {}, 'username');
      throw error;
    }
  }

  async update(principal: Principal, id: string, dto: UpdateUserDto): Promise<UserView> {
    requirePlatformAdmin(principal);
    const user = await this.find(id);
    if (principal.kind === 'user' && user.id === principal.userId && (dto.is_active === false || dto.is_platform_admin === false)) {
      throw new SluiceException('conflict', 'You cannot deactivate yourself or drop your own platform admin role');
    }
    const changes: UserChanges = {
      email: dto.email,
      first_name: dto.first_name,
      last_name: dto.last_name,
      is_platform_admin: dto.is_platform_admin,
      is_active: dto.is_active,
      password_hash: dto.password ? await this.passwords.hash(dto.password) : undefined,
    };
    const endSessions = dto.is_active === false || dto.password !== undefined || dto.is_platform_admin !== undefined;
    return userView(await this.change(user, changes, dto.is_active === false ? 'user.deactivated' : 'user.updated', endSessions));
  }

  /** Deactivates (keeps the row and the user's audit trail; the user's API keys are revoked) and ends every session. */
  async deactivate(principal: Principal, id: string): Promise<void> {
    await this.update(principal, id, { is_active: false });
  }

  /**
   * Applies changes with their audit event; `endSessions` revokes every
   * session of the user. A new password also ends the personal tokens not
   * created to survive it. Losing the active flag or platform admin narrows or
   * revokes the user's API keys (they never act above their owner's role).
   */
  async change(user: UserRow, changes: UserChanges, eventType: string, endSessions: boolean, keepSessionId: string | null = null): Promise<UserRow> {
    try {
      const row = await this.unitOfWork.run(async (tx) => {
        const updated = await this.users.update(tx, user.id, changes);
        await this.audit.record(tx, { tenantId: null, eventType, resourceType: 'user', resourceId: user.id, old: userView(user), new: userView(updated) });
        if (endSessions) await this.sessions.endAllOfUser(tx, user.id, keepSessionId);
        if (changes.password_hash !== undefined) await this.personalTokens.revokeOnPasswordChange(tx, user.id);
        if (changes.is_active === false || changes.is_platform_admin === false) await this.keyOwners.enforce(tx, user.id, null);
        return updated;
      });
      await this.projector.flush();
      return row;
    } catch (error) {
      if (isUniqueViolation(error, 'users_email_key')) throw new SluiceException('conflict', `A user with email ${changes.email} already exists`, {}, 'email');
      if (isUniqueViolation(error, 'users_username_key')) throw new SluiceException('conflict', 'This username is taken', {}, 'username');
      throw error;
    }
  }

  private async find(id: string): Promise<UserRow> {
    const user = isUuid(id) ? await this.users.findById(id) : null;
    if (!user) throw new SluiceException('not_found', 'User not found');
    return user;
  }
}
