import { Injectable } from '@nestjs/common';
import { UnitOfWork, UsersRepository } from '@sluice/control-plane/data-access';
import { SluiceException } from '@sluice/platform';
import { Passwords } from '../auth/passwords';
import { requireUser, type Principal } from '../auth/principal';
import { Sessions } from '../auth/sessions';
import { loginResponse, type LoginResponse } from './account-views';
import type { LoginDto } from './dto/auth.dto';

/** Sign-in, refresh and sign-out: sessions of a user who proves a password. */
@Injectable()
export class SignInService {
  constructor(
    private readonly users: UsersRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly passwords: Passwords,
    private readonly sessions: Sessions,
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
}
