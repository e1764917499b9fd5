import { Inject, Injectable } from '@nestjs/common';
import { generateOpaqueToken } from '@sluice/auth';
import { MembershipsRepository, PersonalTokensRepository, UnitOfWork, UsersRepository, type PersonalTokenRow, type PersonalTokenScope, type UserRow } from '@sluice/control-plane/data-access';
import { pageWindow, SluiceException, type PaginationQueryDto } from '@sluice/platform';
import { AuditService } from '../audit/audit.service';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { SIGNUP_PLAN } from '../plans/tenant-plans';
import { Projector } from '../projection/projector';
import { TenantsService } from '../tenants/tenants.service';
import { userView, type UserView } from '../users/user-view';
import { UsersService } from '../users/users.service';
import { PERSONAL_TOKEN_SCOPES, type CreatePersonalTokenDto, type LoginDto, type RegisterDto, type UpdateProfileDto } from './dto/auth.dto';
import { passwordWeakness, Passwords } from './passwords';
import { requireUser, type Principal } from './principal';
import { Sessions, type TokenPair } from './sessions';

export interface LoginResponse {
  /** Seed 000's field; the same value as `access`. */
  token: string;
  access: string;
  refresh: string;
  token_type: 'Bearer';
  expires_in: number;
  user: UserView;
}

export interface ProfileView extends UserView {
  tenants: Array<{ id: string; slug: string; name: string; role: string }>;
}

@Injectable()
export class AuthService {
  constructor(
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    private readonly users: UsersRepository,
    private readonly userAccounts: UsersService,
    private readonly tenants: TenantsService,
    private readonly memberships: MembershipsRepository,
    private readonly personalTokens: PersonalTokensRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly passwords: Passwords,
    private readonly sessions: Sessions,
    private readonly audit: AuditService,
    private readonly projector: Projector,
  ) {}

  async login(dto: LoginDto): Promise<LoginResponse> {
    return (await this.signIn(dto)).response;
  }

  /** A login that also names its session, for the cookie route's CSRF token. */
  async signIn(dto: LoginDto): Promise<{ response: LoginResponse; sessionId: string }> {
    const email = (dto.email ?? dto.username ?? '').trim();
    const user = await this.users.findByEmail(email);
    const valid = await this.passwords.verify(user?.password_hash ?? null, dto.password);
    if (!user || !valid || !user.is_active) throw new SluiceException('unauthorized', 'Unable to log in with the provided credentials');
    const pair = await this.unitOfWork.run((tx) => this.sessions.start(tx, user));
    await this.users.recordLogin(user.id);
    return { response: loginResponse(pair, user), sessionId: pair.sessionId };
  }

  async refresh(refreshToken: string): Promise<LoginResponse> {
    const { pair, user } = await this.sessions.refresh(refreshToken, (tx, userId) => this.users.findById(userId, tx));
    return loginResponse(pair, user);
  }

  logout(principal: Principal): Promise<void> {
    return this.sessions.end(requireUser(principal));
  }

  /** Self-service sign-up: user, an active tenant, and the user as its owner, in one transaction. */
  async register(dto: RegisterDto): Promise<LoginResponse & { tenant: { id: string; slug: string; name: string } }> {
    if (!this.config.allowSignup) throw new SluiceException('forbidden', 'Registration is disabled on this platform');
    if (dto.password !== dto.password_confirm) {
      throw new SluiceException('validation_error', 'Passwords do not match', { password_confirm: ['must equal password'] }, 'password_confirm');
    }
    const passwordHash = await this.passwords.hash(dto.password);
    const slug = dto.tenant_slug ?? slugify(dto.tenant_name);
    const { user, tenant, pair } = await this.unitOfWork
      .run(async (tx) => {
        const user = await this.userAccounts.insert(tx, { email: dto.email, passwordHash, firstName: dto.first_name, lastName: dto.last_name });
        const tenant = await this.tenants.insert(
          tx,
          { name: dto.tenant_name, slug, contact_email: dto.email, contact_name: `${dto.first_name} ${dto.last_name}`.trim(), subscription_tier: SIGNUP_PLAN },
          'active',
        );
        const membership = await this.memberships.create(tx, tenant.id, user.id, 'owner');
        await this.audit.record(tx, { tenantId: tenant.id, eventType: 'tenant_user.created', resourceType: 'tenant_user', resourceId: membership.id, new: { user_id: user.id, email: user.email, role: 'owner' } });
        return { user, tenant, pair: await this.sessions.start(tx, user) };
      })
      .catch((error: unknown) => {
        throw error instanceof SluiceException && error.code === 'conflict' ? registrationConflict() : error;
      });
    // The new tenant was queued for the Redis projection in the transaction: write it now.
    await this.projector.flush();
    return { ...loginResponse(pair, user), tenant: { id: tenant.id, slug: tenant.slug, name: tenant.name } };
  }

  async profile(principal: Principal): Promise<ProfileView> {
    const user = await this.currentUser(principal);
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
    const user = await this.currentUser(principal);
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
        email: dto.email,
        password_hash: dto.password ? await this.passwords.hash(dto.password) : undefined,
      },
      dto.password ? 'user.password_changed' : 'user.updated',
      sensitive,
      principal.sessionId,
    );
    return this.profile(principal);
  }

  async createPersonalToken(principal: Principal, dto: CreatePersonalTokenDto): Promise<PersonalTokenView & { token: string }> {
    const user = await this.currentUser(principal);
    if (dto.expires_at !== undefined && dto.expires_in_days !== undefined) {
      throw new SluiceException('validation_error', 'Send expires_at or expires_in_days, not both', { expires_in_days: ['cannot be combined with expires_at'] }, 'expires_in_days');
    }
    const expiresAt = dto.expires_at ? new Date(dto.expires_at) : dto.expires_in_days ? new Date(Date.now() + dto.expires_in_days * 86_400_000) : null;
    if (expiresAt && expiresAt.getTime() <= Date.now()) {
      throw new SluiceException('validation_error', 'expires_at must be in the future', { expires_at: ['must be in the future'] }, 'expires_at');
    }
    const secret = generateOpaqueToken('personal');
    const token = {
      name: dto.name,
      tokenHash: secret.hash,
      prefix: secret.prefix,
      last4: secret.last4,
      expiresAt,
      scopes: dto.scopes ?? [...PERSONAL_TOKEN_SCOPES],
      survivesPasswordChange: dto.survive_password_change ?? false,
    };
    const row = await this.unitOfWork.run(async (tx) => {
      const row = await this.personalTokens.create(tx, user.id, token);
      await this.audit.record(tx, { tenantId: null, eventType: 'personal_token.created', resourceType: 'personal_token', resourceId: row.id, new: personalTokenView(row) });
      return row;
    });
    return { ...personalTokenView(row), token: secret.secret };
  }

  async listPersonalTokens(caller: Principal, query: PaginationQueryDto): Promise<{ count: number; results: PersonalTokenView[] }> {
    const slice = await this.personalTokens.list(requireUser(caller).userId, pageWindow(query));
    return { count: slice.count, results: slice.rows.map(personalTokenView) };
  }

  async revokePersonalToken(caller: Principal, id: string): Promise<void> {
    const principal = requireUser(caller);
    const row = /^[0-9a-f-]{36}$/i.test(id) ? await this.personalTokens.findById(principal.userId, id) : null;
    if (!row) throw new SluiceException('not_found', 'Token not found');
    await this.unitOfWork.run(async (tx) => {
      await this.personalTokens.revoke(tx, principal.userId, id);
      await this.audit.record(tx, { tenantId: null, eventType: 'personal_token.revoked', resourceType: 'personal_token', resourceId: id, old: personalTokenView(row) });
    });
  }

  private async currentUser(caller: Principal): Promise<UserRow> {
    const user = await this.users.findById(requireUser(caller).userId);
    if (!user || !user.is_active) throw new SluiceException('unauthorized', 'Invalid or expired credentials');
    return user;
  }
}

export interface PersonalTokenView {
  id: string;
  name: string;
  prefix: string;
  last4: string;
  expires_at: string | null;
  scopes: PersonalTokenScope[];
  survive_password_change: boolean;
  last_used_at: string | null;
  created_at: string;
}

function personalTokenView(row: PersonalTokenRow): PersonalTokenView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    last4: row.last4,
    expires_at: row.expires_at?.toISOString() ?? null,
    scopes: row.scopes,
    survive_password_change: row.survives_password_change,
    last_used_at: row.last_used_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
  };
}

function loginResponse(pair: TokenPair, user: UserRow): LoginResponse {
  return { token: pair.access, access: pair.access, refresh: pair.refresh, token_type: 'Bearer', expires_in: pair.expiresIn, user: userView(user) };
}

/**
 * A taken email and a taken tenant slug get the same answer, so sign-up does
 * not say which accounts exist (see docs/decisions.md).
 */
function registrationConflict(): SluiceException {
  return new SluiceException('conflict', 'Cannot register with these details: the email or the tenant slug is already in use');
}

/** A slug from a tenant name: lower-case words joined by dashes, padded to the 3-character minimum. */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return slug.length >= 3 ? slug : `${slug || 'tenant'}-${Math.random().toString(36).slice(2, 8)}`;
}
