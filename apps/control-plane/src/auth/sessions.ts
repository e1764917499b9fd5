import { Inject, Injectable } from '@nestjs/common';
import { generateOpaqueToken, hashApiKey, signAccessToken } from '@sluice/auth';
import { SessionsRepository, UnitOfWork, type Transaction, type UserRow } from '@sluice/control-plane/data-access';
import { SluiceException } from '@sluice/platform';
import { randomUUID } from 'node:crypto';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import type { UserPrincipal } from './principal';
import { TokenRevocation } from './token-revocation';

export interface TokenPair {
  access: string;
  refresh: string;
  expiresIn: number;
  sessionId: string;
}

/**
 * Sessions: a JWT access token plus an opaque refresh token of one family.
 * Refreshing uses the refresh token up and issues the next of the family; a
 * used token presented again revokes the family (it was copied).
 */
@Injectable()
export class Sessions {
  constructor(
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    private readonly sessions: SessionsRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly revocation: TokenRevocation,
  ) {}

  /** A new session; `tenantId` binds it (and every token it refreshes into) to that tenant. */
  start(tx: Transaction, user: UserRow, tenantId: string | null = null): Promise<TokenPair> {
    return this.issue(tx, user, randomUUID(), tenantId);
  }

  /** The next pair of a family; the user is loaded by the caller inside the same transaction. */
  async refresh(refreshToken: string, loadUser: (tx: Transaction, userId: string) => Promise<UserRow | null>): Promise<{ pair: TokenPair; user: UserRow }> {
    const outcome = await this.unitOfWork.run(async (tx) => {
      const token = await this.sessions.findForUpdate(tx, hashApiKey(refreshToken));
      if (!token || token.revoked_at || token.expires_at.getTime() <= Date.now()) return { error: 'Refresh token is invalid or expired' } as const;
      if (token.used_at) {
        await this.sessions.revokeFamily(tx, token.family_id);
        await this.revocation.revokeSessions([token.family_id], this.config.accessTokenTtlSeconds);
        return { error: 'Refresh token was already used: every session of its family is revoked' } as const;
      }
      const user = await loadUser(tx, token.user_id);
      if (!user || !user.is_active) return { error: 'Refresh token is invalid or expired' } as const;
      await this.sessions.markUsed(tx, token.id);
      return { pair: await this.issue(tx, user, token.family_id, token.tenant_id), user };
    });
    // Reuse detection must stick even though the request fails: it commits above, then we answer 401.
    if ('error' in outcome) throw new SluiceException('unauthorized', outcome.error as string);
    return outcome;
  }

  /** Logout: the caller's refresh family and its current access token. */
  async end(principal: UserPrincipal): Promise<void> {
    const sessionId = principal.sessionId;
    if (sessionId) {
      await this.unitOfWork.run((tx) => this.sessions.revokeFamily(tx, sessionId));
      await this.revocation.revokeSessions([sessionId], this.config.accessTokenTtlSeconds);
    }
    if (principal.tokenId && principal.tokenExpiresAt) await this.revocation.revokeToken(principal.tokenId, principal.tokenExpiresAt);
  }

  /** Every session of the user but `keepSessionId` (password or email change, deactivation). */
  async endAllOfUser(tx: Transaction, userId: string, keepSessionId: string | null = null): Promise<void> {
    const revoked = await this.sessions.revokeAllOfUser(tx, userId, keepSessionId);
    // Written before the transaction commits: a rollback then only logs those sessions out early, never leaves one alive.
    await this.revocation.revokeSessions(revoked, this.config.accessTokenTtlSeconds);
  }

  private async issue(tx: Transaction, user: UserRow, familyId: string, tenantId: string | null): Promise<TokenPair> {
    const refresh = generateOpaqueToken('refresh');
    await this.sessions.create(tx, {
      userId: user.id,
      familyId,
      tenantId,
      tokenHash: refresh.hash,
      expiresAt: new Date(Date.now() + this.config.refreshTokenTtlSeconds * 1000),
    });
    const access = await signAccessToken(
      this.config.jwtSecret,
      { userId: user.id, email: user.email, isPlatformAdmin: user.is_platform_admin, sessionId: familyId, tenantId },
      this.config.accessTokenTtlSeconds,
    );
    return { access: access.token, refresh: refresh.secret, expiresIn: this.config.accessTokenTtlSeconds, sessionId: familyId };
  }
}
