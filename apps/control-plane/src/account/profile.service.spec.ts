import { Test } from '@nestjs/testing';
import type { UserRow } from '@sluice/control-plane/data-access';
import { ApiKeyOwners } from '../api-keys/api-key-owners';
import { Passwords } from '../auth/passwords';
import { Sessions } from '../auth/sessions';
import { TenantAccess } from '../auth/tenant-access';
import { fakeSeams, FakeDatabase, FakeSessions, keyPrincipal, userPrincipal } from '../testing/fakes';
import { TenantQuotaSource } from '../tenants/tenant-quota-source';
import { TenantsService } from '../tenants/tenants.service';
import { UsersService } from '../users/users.service';
import { ProfileService } from './profile.service';

const PASSWORD = 'correct horse battery staple 42';
const NEW_PASSWORD = 'an entirely different passphrase 7';

describe('ProfileService', () => {
  let db: FakeDatabase;
  let sessions: FakeSessions;
  let service: ProfileService;
  let user: UserRow;

  beforeEach(async () => {
    db = new FakeDatabase();
    const moduleRef = await Test.createTestingModule({
      providers: [ProfileService, UsersService, TenantsService, TenantAccess, TenantQuotaSource, ApiKeyOwners, Passwords, ...fakeSeams(db)],
    }).compile();
    service = moduleRef.get(ProfileService);
    sessions = moduleRef.get<Sessions, FakeSessions>(Sessions);
    const tenant = db.tenant({ slug: 'acme' });
    user = db.member(tenant, 'admin', db.user({ email: 'ada@example.test', password_hash: await moduleRef.get(Passwords).hash(PASSWORD) })).user;
  });

  const me = () => ({ ...userPrincipal(user), sessionId: 'this-session' });

  it('shows the user with the tenants it belongs to and its role there', async () => {
    const profile = await service.profile(me());
    expect(profile).toMatchObject({ id: user.id, email: 'ada@example.test', username: 'ada@example.test' });
    expect(profile.tenants).toEqual([expect.objectContaining({ slug: 'acme', role: 'admin' })]);
    expect(JSON.stringify(profile)).not.toContain('argon2');
  });

  it('changes names without the current password, ending no session', async () => {
    await service.updateProfile(me(), { first_name: 'Ada' });
    expect(db.tables.users.get(user.id)?.first_name).toBe('Ada');
    expect(db.auditTypes()).toEqual(['user.updated']);
    expect(sessions.ended).toEqual([]);
  });

  it('needs the current password to change the password or the email (400 on current_password), writing nothing', async () => {
    await expect(service.updateProfile(me(), { password: NEW_PASSWORD })).rejects.toMatchObject({ code: 'validation_error', param: 'current_password' });
    await expect(service.updateProfile(me(), { email: 'other@example.test', current_password: 'wrong password, truly' })).rejects.toMatchObject({
      code: 'validation_error',
      param: 'current_password',
    });
    expect(db.tables.users.get(user.id)?.email).toBe('ada@example.test');
    expect(db.audit).toHaveLength(0);
  });

  it('refuses a guessable new password, naming password', async () => {
    await expect(service.updateProfile(me(), { password: 'ada@example.test', current_password: PASSWORD })).rejects.toMatchObject({
      code: 'validation_error',
      param: 'password',
    });
    expect(db.audit).toHaveLength(0);
  });

  it('changes the password, ending every other session of the user', async () => {
    await service.updateProfile(me(), { password: NEW_PASSWORD, current_password: PASSWORD });
    expect(db.auditTypes()).toEqual(['user.password_changed']);
    expect(sessions.ended).toEqual([user.id]);
    expect(db.tables.revokedTokenOwners).toEqual([user.id]);
  });

  it('is for people: an API key is refused (403)', async () => {
    const key = db.key(db.tenant());
    await expect(service.updateProfile(keyPrincipal(key, 'admin'), { first_name: 'Key' })).rejects.toMatchObject({ code: 'forbidden' });
  });
});
