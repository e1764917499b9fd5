import { Inject, Injectable } from '@nestjs/common';
import { UnitOfWork } from '@sluice/control-plane/data-access';
import { SluiceException } from '@sluice/platform';
import { Passwords } from '../auth/passwords';
import { Sessions } from '../auth/sessions';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { Projector } from '../projection/projector';
import { loginResponse, type LoginResponse } from './account-views';
import type { RegisterDto } from './dto/auth.dto';
import { EmailCodes } from './email-codes';
import { slugify } from './slugify';
import { TenantSignUp } from './tenant-sign-up';

/** Self-service sign-up (when the platform allows it). */
@Injectable()
export class RegistrationService {
  constructor(
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    private readonly unitOfWork: UnitOfWork,
    private readonly passwords: Passwords,
    private readonly sessions: Sessions,
    private readonly signUp: TenantSignUp,
    private readonly projector: Projector,
    private readonly codes: EmailCodes,
  ) {}

  /** User, an active tenant, and the user as its owner, in one transaction. */
  async register(dto: RegisterDto): Promise<LoginResponse & { tenant: { id: string; slug: string; name: string } }> {
    if (!this.config.allowSignup) throw new SluiceException('forbidden', 'Registration is disabled on this platform');
    if (dto.password !== dto.password_confirm) {
      throw new SluiceException('validation_error', 'Passwords do not match', { password_confirm: ['must equal password'] }, 'password_confirm');
    }
    if (this.config.mail.requireEmailVerification) await this.requireVerifiedEmail(dto);
    const passwordHash = await this.passwords.hash(dto.password);
    const slug = dto.tenant_slug ?? slugify(dto.tenant_name);
    const { user, tenant, pair } = await this.unitOfWork
      .run(async (tx) => {
        const { user, tenant } = await this.signUp.create(tx, dto, passwordHash, slug);
        return { user, tenant, pair: await this.sessions.start(tx, user) };
      })
      .catch((error: unknown) => {
        throw error instanceof SluiceException && error.code === 'conflict' ? registrationConflict() : error;
      });
    // The new tenant was queued for the Redis projection in the transaction: write it now.
    await this.projector.flush();
    return { ...loginResponse(pair, user), tenant: { id: tenant.id, slug: tenant.slug, name: tenant.name } };
  }

  /** With REQUIRE_EMAIL_VERIFICATION, the code mailed by `POST /api/auth/validate-email/` proves the address. */
  private async requireVerifiedEmail(dto: RegisterDto): Promise<void> {
    const why = 'the code mailed by POST /api/auth/validate-email/ is required, and must be the latest one, unused and unexpired';
    if (!dto.verification_code || !(await this.codes.consume(dto.email, dto.verification_code))) {
      throw new SluiceException('validation_error', `Email not verified: ${why}`, { verification_code: [why] }, 'verification_code');
    }
  }
}

/**
 * A taken email, username, tenant slug or tenant domain get the same answer, so sign-up does
 * not say which accounts exist (see docs/decisions.md).
 */
function registrationConflict(): SluiceException {
  return new SluiceException('conflict', 'Cannot register with these details: the email, username, tenant slug or tenant domain is already in use');
}
