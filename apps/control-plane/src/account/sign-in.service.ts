import { Injectable } from '@nestjs/common';
import { MembershipsRepository, TenantsRepository, UnitOfWork, UsersRepository, type UserRow } from '@sluice/control-plane/data-access';
import { SluiceException } from '@sluice/platform';
import { Passwords } from '../auth/passwords';
import { requireUser, type Principal } from '../auth/principal';
import { Sessions } from '../auth/sessions';
import { loginResponse, type LoginResponse } from './account-views';
import type { CodeSignInDto, LoginDto } from './dto/auth.dto';
import { EmailCodes } from './email-codes';

/**
 * Sign-in, refresh and sign-out: sessions of a user who proves a password or
 * a mailed code, optionally bound to one tenant the user belongs to. Every
 * refusal is the same 401, whether the account is unknown, the secret wrong,
 * or the user not a member of the tenant named.
 */
@Injectable()
export class SignInService {
  constructor(
    private readonly users: UsersRepository,
    private readonly tenants: TenantsRepository,
    private readonly memberships: MembershipsRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly passwords: Passwords,
    private readonly sessions: Sessions,
    private readonly codes: EmailCodes,
  ) {}

  async login(dto: LoginDto): Promise<LoginResponse> {
    return (await this.signIn(dto)).response;
  }

  /** A login that also names its session, for the cookie route's CSRF token. */
  async signIn(dto: LoginDto): Promise<{ response: LoginResponse; sessionId: string }> {
    const user = await this.users.findByLogin(loginName(dto));
    const valid = await this.passwords.verify(user?.password_hash ?? null, dto.password);
    return this.start(valid ? user : null, dto.tenant_domain);
  }

  /** Sign-in with a code mailed by `POST /api/auth/validate-email/`; an unknown account spends the same work. */
  async signInWithCode(dto: CodeSignInDto): Promise<LoginResponse> {
    const name = loginName(dto);
    const user = await this.users.findByLogin(name);
    const valid = await this.codes.consume(user?.email ?? name, dto.verification_code);
    return (await this.start(valid ? user : null, dto.tenant_domain)).response;
  }

  async refresh(refreshToken: string): Promise<LoginResponse> {
    const { pair, user } = await this.sessions.refresh(refreshToken, (tx, userId) => this.users.findById(userId, tx));
    return loginResponse(pair, user);
  }

  logout(principal: Principal): Promise<void> {
    return this.sessions.end(requireUser(principal));
  }

  private async start(user: UserRow | null, tenantReference: string | undefined): Promise<{ response: LoginResponse; sessionId: string }> {
    if (!user || !user.is_active) throw refused();
    const tenantId = tenantReference ? await this.boundTenant(user, tenantReference) : null;
    const pair = await this.unitOfWork.run((tx) => this.sessions.start(tx, user, tenantId));
    await this.users.recordLogin(user.id);
    return { response: loginResponse(pair, user), sessionId: pair.sessionId };
  }

  /** The tenant named at sign-in; one the user does not belong to (or none) is the same 401 as a wrong password. */
  private async boundTenant(user: UserRow, reference: string): Promise<string> {
    const tenant = await this.tenants.findByReference(reference.trim().toLowerCase());
    if (!tenant || tenant.status === 'deleted') throw refused();
    if (!user.is_platform_admin && !(await this.memberships.findByUser(tenant.id, user.id))) throw refused();
    return tenant.id;
  }
}

function loginName(dto: { email?: string; username?: string }): string {
  return (dto.email ?? dto.username ?? '').trim();
}

function refused(): SluiceException {
  return new SluiceException('unauthorized', 'Unable to log in with the provided credentials');
}
