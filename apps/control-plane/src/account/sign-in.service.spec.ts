import { Test } from '@nestjs/testing';
import type { UserRow } from '@sluice/control-plane/data-access';
import { Passwords } from '../auth/passwords';
import { Sessions } from '../auth/sessions';
import { fakeSeams, FakeDatabase, FakeSessions, keyPrincipal, userPrincipal } from '../testing/fakes';
import { EmailCodes } from './email-codes';
import { SignInService } from './sign-in.service';

const PASSWORD = 'correct horse battery staple 42';
const REFUSAL = { code: 'unauthorized', message: 'Unable to log in with the provided credentials' };

describe('SignInService', () => {
  let db: FakeDatabase;
  let sessions: FakeSessions;
  let passwords: Passwords;
  let service: SignInService;
  let user: UserRow;
  const consumed: string[] = [];
  const codes = { consume: async (email: string, code: string) => (consumed.push(email), code === '424242' && email === 'ada@example.test') };

  beforeEach(async () => {
    db = new FakeDatabase();
    const moduleRef = await Test.createTestingModule({ providers: [SignInService, Passwords, ...fakeSeams(db), { provide: EmailCodes, useValue: codes }] }).compile();
    service = moduleRef.get(SignInService);
    sessions = moduleRef.get<Sessions, FakeSessions>(Sessions);
    passwords = moduleRef.get(Passwords);
    user = db.user({ email: 'ada@example.test', password_hash: await passwords.hash(PASSWORD) });
  });

  it('starts a session for the right password, stamps the login and answers with the pair and the user', async () => {
    const { response, sessionId } = await service.signIn({ email: 'ada@example.test', password: PASSWORD });
    expect(sessions.started).toEqual([user.id]);
    expect(response).toMatchObject({ token: response.access, token_type: 'Bearer', expires_in: 900, user: { id: user.id, email: 'ada@example.test' } });
    expect(response.refresh).toEqual(expect.any(String));
    expect(sessionId).toEqual(expect.any(String));
    expect(db.tables.users.get(user.id)?.last_login_at).toBeInstanceOf(Date);
    expect(JSON.stringify(response)).not.toContain('argon2');
  });

  it('takes the account from `username` when `email` is absent, and trims it', async () => {
    const response = await service.login({ username: '  ada@example.test ', password: PASSWORD });
    expect(response.user.id).toBe(user.id);
  });

  it('refuses a wrong password, an unknown email and an inactive user alike, starting no session and stamping nothing', async () => {
    const inactive = db.user({ email: 'gone@example.test', password_hash: await passwords.hash(PASSWORD), is_active: false });
    await expect(service.login({ email: 'ada@example.test', password: `${PASSWORD}!` })).rejects.toMatchObject(REFUSAL);
    await expect(service.login({ email: 'nobody@example.test', password: PASSWORD })).rejects.toMatchObject(REFUSAL);
    await expect(service.login({ email: 'gone@example.test', password: PASSWORD })).rejects.toMatchObject(REFUSAL);
    await expect(service.login({ password: PASSWORD })).rejects.toMatchObject(REFUSAL);
    expect(sessions.started).toEqual([]);
    expect(db.tables.users.get(user.id)?.last_login_at).toBeNull();
    expect(db.tables.users.get(inactive.id)?.last_login_at).toBeNull();
  });

  it('verifies a password even for an unknown email, so its answer takes as long as a wrong password', async () => {
    const verify = jest.spyOn(passwords, 'verify');
    await expect(service.login({ email: 'nobody@example.test', password: PASSWORD })).rejects.toMatchObject(REFUSAL);
    expect(verify).toHaveBeenCalledWith(null, PASSWORD);
  });

  it('checks a mailed code once whether or not an account has the name, and answers both refusals alike', async () => {
    consumed.length = 0;
    await expect(service.signInWithCode({ email: 'nobody@example.test', verification_code: '424242' })).rejects.toMatchObject(REFUSAL);
    await expect(service.signInWithCode({ email: 'ada@example.test', verification_code: '000000' })).rejects.toMatchObject(REFUSAL);
    expect(consumed).toEqual(['nobody@example.test', 'ada@example.test']);
    const response = await service.signInWithCode({ email: 'ada@example.test', verification_code: '424242' });
    expect(response.user.id).toBe(user.id);
  });

  it('binds a session only to a tenant the user belongs to; any other is the same 401', async () => {
    const tenant = db.tenant({ slug: 'acme' });
    await expect(service.login({ email: 'ada@example.test', password: PASSWORD, tenant_domain: 'acme' })).rejects.toMatchObject(REFUSAL);
    await expect(service.login({ email: 'ada@example.test', password: PASSWORD, tenant_domain: 'nowhere' })).rejects.toMatchObject(REFUSAL);
    expect(sessions.started).toEqual([]);
    db.member(tenant, 'viewer', user);
    await expect(service.login({ email: 'ada@example.test', password: PASSWORD, tenant_domain: 'acme' })).resolves.toMatchObject({ user: { id: user.id } });
  });

  it('refreshes into a new pair for the user as it is now', async () => {
    const { refresh } = await service.login({ email: 'ada@example.test', password: PASSWORD });
    db.tables.users.set(user.id, { ...user, first_name: 'Ada' });
    const next = await service.refresh(refresh);
    expect(next.refresh).not.toBe(refresh);
    expect(next.user).toMatchObject({ id: user.id, first_name: 'Ada' });
    await expect(service.refresh(refresh)).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('refuses a refresh once the user is deactivated', async () => {
    const { refresh } = await service.login({ email: 'ada@example.test', password: PASSWORD });
    db.tables.users.set(user.id, { ...user, is_active: false });
    await expect(service.refresh(refresh)).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('logs out the calling user session; an API key cannot (403)', async () => {
    const me = { ...userPrincipal(user), sessionId: 'this-session' };
    await service.logout(me);
    expect(sessions.loggedOut).toEqual([me]);
    const tenant = db.tenant();
    const key = keyPrincipal(db.key(tenant, { created_by: user.id }), 'admin');
    // logout throws before it returns a promise: called from a then, either way lands as a rejection.
    await expect(Promise.resolve().then(() => service.logout(key))).rejects.toMatchObject({ code: 'forbidden' });
    expect(sessions.loggedOut).toHaveLength(1);
  });
});
