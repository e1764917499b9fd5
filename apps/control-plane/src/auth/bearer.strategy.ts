import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { apiKeyRefusal, hashApiKey, isOpaqueToken, looksLikeJwt, parseApiKey, roleOfKeyScopes, scopesWithinRole, verifyAccessToken } from '@sluice/auth';
import { ApiKeysRepository, MembershipsRepository, PersonalTokensRepository, TenantsRepository, UsersRepository } from '@sluice/control-plane/data-access';
import { isUuid } from '@sluice/contracts';
import { SluiceException } from '@sluice/platform';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-custom';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { csrfTokenFor, passesCsrfCheck, personalTokenAllows, presentedCredential } from './credentials';
import { apiKeyRecordForHash } from '../projection/projection-records';
import { KeyOwnerRole } from './key-owner-role';
import type { ApiKeyPrincipal, Principal } from './principal';
import { TokenRevocation } from './token-revocation';

/**
 * One strategy for every credential a caller may present, told apart by shape:
 * a JWT (header or session cookie), a personal access token (`slp_`), or a
 * tenant API key (`slk_`) with the `read` scope (which `write` implies).
 */
@Injectable()
export class BearerStrategy extends PassportStrategy(Strategy, 'bearer') {
  constructor(
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    private readonly revocation: TokenRevocation,
    private readonly personalTokens: PersonalTokensRepository,
    private readonly users: UsersRepository,
    private readonly apiKeys: ApiKeysRepository,
    private readonly tenants: TenantsRepository,
    private readonly keyOwners: KeyOwnerRole,
    private readonly memberships: MembershipsRepository,
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
      const user = isUuid(claims.sub) ? await this.users.findById(claims.sub) : null;
      if (!user || !user.is_active) throw invalid();
      if (credential.source === 'cookie' && !passesCsrfCheck(request, csrfTokenFor(this.config.jwtSecret, claims.sid))) {
        throw new SluiceException('forbidden', 'CSRF check failed: send the csrf_token cookie back in the X-CSRF-Token header');
      }
      if (claims.tid) await this.requireBoundTenant(claims.tid, user.id, user.is_platform_admin, request);
      return {
        kind: 'user',
        userId: user.id,
        email: user.email,
        isPlatformAdmin: user.is_platform_admin,
        via: credential.source === 'cookie' ? 'cookie' : 'jwt',
        sessionId: claims.sid,
        tokenId: claims.jti,
        tokenExpiresAt: claims.exp,
        boundTenantId: claims.tid ?? null,
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

  /**
   * A tenant-bound token: its user must still belong to the tenant (else the
   * token is dead, 401), and a request naming any other tenant in
   * `X-Tenant`/`X-Tenant-Domain` is 403 `tenant_mismatch` (whether or not that
   * tenant exists, so the answer tells nothing about it).
   */
  private async requireBoundTenant(tenantId: string, userId: string, isPlatformAdmin: boolean, request: FastifyRequest): Promise<void> {
    const tenant = isUuid(tenantId) ? await this.tenants.findById(tenantId) : null;
    if (!tenant || tenant.status === 'deleted' || (!isPlatformAdmin && !(await this.memberships.findByUser(tenant.id, userId)))) throw invalid();
    const named = request.headers['x-tenant'] ?? request.headers['x-tenant-domain'];
    const reference = (Array.isArray(named) ? named[0] : named)?.trim().toLowerCase();
    if (reference && ![tenant.id, tenant.slug.toLowerCase(), tenant.domain?.toLowerCase()].includes(reference)) {
      throw new SluiceException('tenant_mismatch', 'This session is bound to another tenant: sign in to that tenant (tenant_domain) to act there');
    }
  }

  /**
   * The gateway's key policy (one function for both apps) with the scope
   * `read`, applied to the scopes the key keeps within its owner's current
   * role; a key whose owner is gone is unknown.
   */
  private async apiKeyPrincipal(secret: string, address: string): Promise<ApiKeyPrincipal> {
    const hash = hashApiKey(secret);
    const key = await this.apiKeys.findByAnyHash(hash);
    const record = key && apiKeyRecordForHash(key, hash, null)?.record;
    const ownerRole = key && record ? await this.keyOwners.ownerRole(key) : null;
    const effective = record && ownerRole ? { ...record, scopes: scopesWithinRole(record.scopes, ownerRole) } : null;
    const tenant = key && effective ? await this.tenants.findById(key.tenant_id) : null;
    const refusal = apiKeyRefusal({
      key: effective,
      tenant: tenant && { slug: tenant.slug, status: tenant.status, status_reason: tenant.suspension_reason || null },
      scope: 'read',
      clientIp: address,
      now: Date.now(),
    });
    const role = effective && roleOfKeyScopes(effective.scopes);
    if (refusal) throw new SluiceException(refusal.code, refusal.message);
    if (!key || !role) throw new SluiceException('invalid_api_key', 'Invalid API key');
    return { kind: 'api_key', keyId: key.id, tenantId: key.tenant_id, role, ownerUserId: key.created_by, isPlatformAdmin: false };
  }
}


function invalid(): SluiceException {
  return new SluiceException('unauthorized', 'Invalid or expired credentials');
}
