import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { hashApiKey, isOpaqueToken, looksLikeJwt, parseApiKey, roleOfKeyScopes, verifyAccessToken } from '@sluice/auth';
import { ApiKeysRepository, PersonalTokensRepository, UsersRepository } from '@sluice/control-plane/data-access';
import { SluiceException } from '@sluice/platform';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-custom';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { csrfTokenFor, passesCsrfCheck, personalTokenAllows, presentedCredential } from './credentials';
import { apiKeyRecordForHash } from '../projection/projection-records';
import { isAddressAllowed } from './address-allow-list';
import type { ApiKeyPrincipal, Principal } from './principal';
import { TokenRevocation } from './token-revocation';

/**
 * One strategy for every credential a caller may present, told apart by shape:
 * a JWT (header or session cookie), a personal access token (`slp_`), or a
 * tenant API key (`slk_`) with the `read` or `write` scope.
 */
@Injectable()
export class BearerStrategy extends PassportStrategy(Strategy, 'bearer') {
  constructor(
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    private readonly revocation: TokenRevocation,
    private readonly personalTokens: PersonalTokensRepository,
    private readonly users: UsersRepository,
    private readonly apiKeys: ApiKeysRepository,
  ) {
    super();
  }

  async validate(request: FastifyRequest): Promise<Principal> {
    const credential = presentedCredential(request);
    if (!credential) throw new SluiceException('unauthorized', 'Authentication credentials were not provided');
    if (looksLikeJwt(credential.token)) {
      const claims = await verifyAccessToken(this.config.jwtSecret, credential.token);
      if (!claims || (await this.revocation.isRevoked(claims.jti, claims.sid))) throw invalid();
      // A token outlives neither its user nor the user's deactivation (say, a database restored without them).
      const user = UUID.test(claims.sub) ? await this.users.findById(claims.sub) : null;
      if (!user || !user.is_active) throw invalid();
      if (credential.source === 'cookie' && !passesCsrfCheck(request, csrfTokenFor(this.config.jwtSecret, claims.sid))) {
        throw new SluiceException('forbidden', 'CSRF check failed: send the csrf_token cookie back in the X-CSRF-Token header');
      }
      return {
        kind: 'user',
        userId: user.id,
        email: user.email,
        isPlatformAdmin: user.is_platform_admin,
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
      if (!personalTokenAllows(token.scopes, request.method)) throw new SluiceException('forbidden', 'This personal access token has only the read scope');
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
    if (credential.source === 'header' && parseApiKey(credential.token)) return this.apiKeyPrincipal(credential.token, request.ip);
    throw invalid();
  }

  /** The same checks as the gateway's: live, unexpired (a rotated-out secret until its grace ends), from an allowed address. */
  private async apiKeyPrincipal(secret: string, address: string): Promise<ApiKeyPrincipal> {
    const hash = hashApiKey(secret);
    const key = await this.apiKeys.findByAnyHash(hash);
    const record = key && apiKeyRecordForHash(key, hash, null)?.record;
    if (!key || !record || record.status !== 'active') throw new SluiceException('invalid_api_key', 'Invalid API key');
    if (record.expires_at && Date.parse(record.expires_at) <= Date.now()) throw new SluiceException('key_expired', 'This API key has expired');
    if (record.allowed_ips && !isAddressAllowed(address, record.allowed_ips)) throw new SluiceException('ip_not_allowed', `This API key may not be used from ${address}`);
    const role = roleOfKeyScopes(record.scopes);
    if (!role) throw new SluiceException('forbidden', 'This API key has only the inference scope: the control plane needs read or write');
    return { kind: 'api_key', keyId: key.id, tenantId: key.tenant_id, role, isPlatformAdmin: false };
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function invalid(): SluiceException {
  return new SluiceException('unauthorized', 'Invalid or expired credentials');
}
