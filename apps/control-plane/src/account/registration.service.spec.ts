import { Test } from '@nestjs/testing';
import type { Transaction, UserRow } from '@sluice/control-plane/data-access';
import { ApiKeyOwners } from '../api-keys/api-key-owners';
import { Passwords } from '../auth/passwords';
import { Sessions, type TokenPair } from '../auth/sessions';
import { TenantAccess } from '../auth/tenant-access';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { fakeSeams, FakeDatabase } from '../testing/fakes';
import { TenantQuotaSource } from '../tenants/tenant-quota-source';
import { SIGNUP_PLAN } from '../tenants/tenant-plans';
import { TenantsService } from '../tenants/tenants.service';
import { UsersService } from '../users/users.service';
import type { RegisterDto } from './dto/auth.dto';
import { EmailCodes } from './email-codes';
import { RegistrationService } from './registration.service';
import { TenantSignUp } from './tenant-sign-up';

const PASSWORD = 'correct horse battery staple 42';

/** Sessions started in the sign-up's transaction (the real ones sign JWTs and write Redis). */
class StartedSessions {
  readonly started: string[] = [];

  constructor(private readonly db: FakeDatabase) {}

  async start(tx: Transaction, user: UserRow): Promise<TokenPair> {
    this.db.requireTransaction(tx);
    this.started.push(user.id);
    return { access: 'access', refresh: 'refresh', expiresIn: 900, sessionId: 'session' } as TokenPair;
  }
}

describe('RegistrationService', () => {
  let db: FakeDatabase;
  let sessions: StartedSessions;

  async function registration(allowSignup = true): Promise<RegistrationService> {
    db = new FakeDatabase();
    sessions = new StartedSessions(db);
    const moduleRef = await Test.createTestingModule({
      providers: [
        RegistrationService,
        TenantSignUp,
        UsersService,
        TenantsService,
        TenantAccess,
        TenantQuotaSource,
        ApiKeyOwners,
        Passwords,
        ...fakeSeams(db),
        { provide: Sessions, useValue: sessions },
        { provide: CONTROL_PLANE_CONFIG, useValue: { allowSignup, mail: { requireEmailVerification: false } } as ControlPlaneConfig },
        { provide: EmailCodes, useValue: {} },
      ],
    }).compile();
    return moduleRef.get(RegistrationService);
  }

  const dto = (fields: Partial<RegisterDto> = {}): RegisterDto =>
    ({ email: 'ada@example.test', password: PASSWORD, password_confirm: PASSWORD, first_name: 'Ada', last_name: 'Lovelace', tenant_name: 'Analytical Engines', ...fields }) as RegisterDto;

  it('creates the user, an active tenant on the sign-up plan, and the user as its owner, in one transaction, then projects the tenant', async () => {
    const service = await registration();
    const response = await service.register(dto());
    const tenant = db.tables.tenants.get(response.tenant.id);
    expect(tenant).toMatchObject({ slug: 'analytical-engines', status: 'active', subscription_tier: SIGNUP_PLAN });
    const user = db.tables.users.get(response.user.id);
    expect(user?.password_hash).toMatch(/^\$argon2id\$/);
    expect([...db.tables.memberships.values()]).toEqual([expect.objectContaining({ tenant_id: tenant?.id, user_id: user?.id, role: 'owner' })]);
    expect(db.auditTypes()).toEqual(expect.arrayContaining(['tenant.created', 'tenant_user.created']));
    expect(JSON.stringify(db.audit)).not.toContain(PASSWORD);
    expect(sessions.started).toEqual([user?.id]);
    expect(db.projected).toEqual([{ kind: 'tenant', id: tenant?.id }]);
    expect(response).toMatchObject({ access: 'access', token: 'access', refresh: 'refresh', token_type: 'Bearer', expires_in: 900 });
  });

  it('is refused when sign-up is off, writing nothing', async () => {
    const service = await registration(false);
    await expect(service.register(dto())).rejects.toMatchObject({ code: 'forbidden' });
    expect(db.tables.users.size).toBe(0);
  });

  it('refuses passwords that differ (400 on password_confirm), writing nothing', async () => {
    const service = await registration();
    await expect(service.register(dto({ password_confirm: `${PASSWORD}!` }))).rejects.toMatchObject({ code: 'validation_error', param: 'password_confirm' });
    expect(db.tables.users.size).toBe(0);
  });

  it('answers a taken slug as a taken email would, and rolls the whole sign-up back', async () => {
    const service = await registration();
    db.tenant({ slug: 'taken-slug' });
    await expect(service.register(dto({ tenant_slug: 'taken-slug' }))).rejects.toMatchObject({
      code: 'conflict',
      message: 'Cannot register with these details: the email, username, tenant slug or tenant domain is already in use',
    });
    expect(db.tables.users.size).toBe(0);
    expect(db.audit).toHaveLength(0);
    expect(db.projected).toHaveLength(0);
  });
});
