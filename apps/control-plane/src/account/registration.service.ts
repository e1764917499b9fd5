import { Inject, Injectable } from '@nestjs/common';
import { MembershipsRepository, UnitOfWork } from '@sluice/control-plane/data-access';
import { SluiceException } from '@sluice/platform';
import { AuditService } from '../audit/audit.service';
import { Passwords } from '../auth/passwords';
import { Sessions } from '../auth/sessions';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { Projector } from '../projection/projector';
import { SIGNUP_PLAN } from '../tenants/tenant-plans';
import { TenantsService } from '../tenants/tenants.service';
import { UsersService } from '../users/users.service';
import { loginResponse, type LoginResponse } from './account-views';
import type { RegisterDto } from './dto/auth.dto';
import { slugify } from './slugify';

/** Self-service sign-up (when the platform allows it). */
@Injectable()
export class RegistrationService {
  constructor(
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    private readonly unitOfWork: UnitOfWork,
    private readonly passwords: Passwords,
    private readonly sessions: Sessions,
    private readonly userAccounts: UsersService,
    private readonly tenants: TenantsService,
    private readonly memberships: MembershipsRepository,
    private readonly audit: AuditService,
    private readonly projector: Projector,
  ) {}

  /** User, an active tenant, and the user as its owner, in one transaction. */
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
}

/**
 * A taken email and a taken tenant slug get the same answer, so sign-up does
 * not say which accounts exist (see docs/decisions.md).
 */
function registrationConflict(): SluiceException {
  return new SluiceException('conflict', 'Cannot register with these details: the email or the tenant slug is already in use');
}
