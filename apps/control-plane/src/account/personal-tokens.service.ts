import { isUuid } from '@sluice/contracts';
import { Injectable } from '@nestjs/common';
import { generateOpaqueToken } from '@sluice/auth';
import { PersonalTokensRepository, UnitOfWork, UsersRepository } from '@sluice/control-plane/data-access';
import { SluiceException } from '@sluice/platform';
import { pageWindow, type PaginationQueryDto } from '@sluice/platform/openapi';
import { AuditService } from '../audit/audit.service';
import { requireUser, type Principal } from '../auth/principal';
import { personalTokenView, type PersonalTokenView } from './account-views';
import { PERSONAL_TOKEN_SCOPES, type CreatePersonalTokenDto } from './dto/auth.dto';
import { currentUser } from './current-user';

/** A user's personal access tokens (`slp_`): create, list, revoke, each change audited. */
@Injectable()
export class PersonalTokensService {
  constructor(
    private readonly users: UsersRepository,
    private readonly personalTokens: PersonalTokensRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: AuditService,
  ) {}

  async createPersonalToken(principal: Principal, dto: CreatePersonalTokenDto): Promise<PersonalTokenView & { token: string }> {
    const user = await currentUser(this.users, principal);
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
    const row = isUuid(id) ? await this.personalTokens.findById(principal.userId, id) : null;
    if (!row) throw new SluiceException('not_found', 'Token not found');
    await this.unitOfWork.run(async (tx) => {
      await this.personalTokens.revoke(tx, principal.userId, id);
      await this.audit.record(tx, { tenantId: null, eventType: 'personal_token.revoked', resourceType: 'personal_token', resourceId: id, old: personalTokenView(row) });
    });
  }
}
