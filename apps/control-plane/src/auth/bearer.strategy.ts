import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { hashApiKey, isOpaqueToken, looksLikeJwt, verifyAccessToken } from '@sluice/auth';
import { PersonalTokensRepository, UsersRepository } from '@sluice/control-plane/data-access';
import { SluiceException } from '@sluice/platform';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-custom';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { passesCsrfCheck, presentedCredential } from './credentials';
import type { UserPrincipal } from './principal';
import { TokenRevocation } from './token-revocation';

/**
 * One strategy for every credential a caller may present, told apart by shape:
 * a JWT (header or session cookie) or a personal access token (`slp_`).
 */
@Injectable()
export class BearerStrategy extends PassportStrategy(Strategy, 'bearer') {
  constructor(
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    private readonly revocation: TokenRevocation,
    private readonly personalTokens: PersonalTokensRepository,
    private readonly users: UsersRepository,
  ) {
    super();
  }

  async validate(request: FastifyRequest): Promise<UserPrincipal> {
    const credential = presentedCredential(request);
    if (!credential) throw new SluiceException('unauthorized', 'Authentication credentials were not provided');
    if (looksLikeJwt(credential.token)) {
      const claims = await verifyAccessToken(this.config.jwtSecret, credential.token);
      if (!claims || (await this.revocation.isRevoked(claims.jti, claims.sid))) throw invalid();
      if (credential.source === 'cookie' && !passesCsrfCheck(request)) {
        throw new SluiceException('forbidden', 'CSRF check failed: send the csrf_token cookie back in the X-CSRF-Token header');
      }
      return {
        kind: 'user',
        userId: claims.sub,
        email: claims.email,
        isPlatformAdmin: claims.adm,
        via: credential.source === 'cookie' ? 'cookie' : 'jwt',
        sessionId: claims.sid,
        tokenId: claims.jti,
        tokenExpiresAt: claims.exp,
      };
    }
    if (credential.source === 'header' && isOpaqueToken('personal', credential.token)) {
      const token = await this.personalTokens.authenticate(hashApiKey(credential.token));
      const user = token && (await this.users.findById(token.user_id));
      if (!user || !user.is_active) throw invalid();
      return {
        kind: 'user',
        userId: user.id,
        email: user.email,
        isPlatformAdmin: user.is_platform_admin,
        via: 'personal_token',
        sessionId: null,
        tokenId: null,
        tokenExpiresAt: null,
      };
    }
    throw invalid();
  }
}

function invalid(): SluiceException {
  return new SluiceException('unauthorized', 'Invalid or expired credentials');
}
