import { Injectable } from '@nestjs/common';
import { MembershipsRepository, UsersRepository } from '@sluice/control-plane/data-access';
import { SluiceException } from '@sluice/platform';
import { passwordWeakness, Passwords } from '../auth/passwords';
import { requireUser, type Principal } from '../auth/principal';
import { TenantsService } from '../tenants/tenants.service';
import { userView } from '../users/user-view';
import { UsersService } from '../users/users.service';
import type { ProfileView } from './account-views';
import { currentUser } from './current-user';
import type { UpdateProfileDto } from './dto/auth.dto';

/** The signed-in user's own account: profile, tenants, email and password. */
@Injectable()
export class ProfileService {
  constructor(
    private readonly users: UsersRepository,
    private readonly userAccounts: UsersService,
    private readonly tenants: TenantsService,
    private readonly memberships: MembershipsRepository,
    private readonly passwords: Passwords,
  ) {}

  async profile(principal: Principal): Promise<ProfileView> {
    const user = await currentUser(this.users, principal);
    const roles = await this.memberships.rolesOfUser(user.id);
    const tenants = await Promise.all(
      roles.map(async ({ tenant_id, role }) => {
        const tenant = await this.tenants.get(principal, tenant_id).catch(() => null);
        return tenant && { id: tenant.id, slug: tenant.slug, name: tenant.name, role };
      }),
    );
    return { ...userView(user), tenants: tenants.filter((tenant) => tenant !== null) };
  }

  /** A password or email change needs the current password and ends every other session. */
  async updateProfile(caller: Principal, dto: UpdateProfileDto): Promise<ProfileView> {
    const principal = requireUser(caller);
    const user = await currentUser(this.users, principal);
    const sensitive = dto.password !== undefined || (dto.email !== undefined && dto.email.toLowerCase() !== user.email.toLowerCase());
    if (sensitive) {
      if (!dto.current_password) {
        throw new SluiceException('validation_error', 'current_password is required to change email or password', { current_password: ['is required'] }, 'current_password');
      }
      if (!(await this.passwords.verify(user.password_hash, dto.current_password))) {
        throw new SluiceException('validation_error', 'current_password is wrong', { current_password: ['is wrong'] }, 'current_password');
      }
    }
    const weakness = dto.password !== undefined && passwordWeakness(dto.password, [user.email, user.first_name, user.last_name]);
    if (weakness) throw new SluiceException('validation_error', weakness, { password: [weakness] }, 'password');
    await this.userAccounts.change(
      user,
      {
        first_name: dto.first_name,
        last_name: dto.last_name,
        username: dto.username,
        email: dto.email,
        password_hash: dto.password ? await this.passwords.hash(dto.password) : undefined,
      },
      dto.password ? 'user.password_changed' : 'user.updated',
      sensitive,
      principal.sessionId,
    );
    return this.profile(principal);
  }
}
