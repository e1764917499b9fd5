import { Test } from '@nestjs/testing';
import { sha256Hex } from '@sluice/auth';
import type { UserRow } from '@sluice/control-plane/data-access';
import { fakeSeams, FakeDatabase, keyPrincipal, userPrincipal } from '../testing/fakes';
import { PersonalTokensService } from './personal-tokens.service';

const DAY_MS = 86_400_000;
const window = { page: 1, page_size: 50 };

describe('PersonalTokensService', () => {
  let db: FakeDatabase;
  let service: PersonalTokensService;
  let user: UserRow;

  beforeEach(async () => {
    db = new FakeDatabase();
    const moduleRef = await Test.createTestingModule({ providers: [PersonalTokensService, ...fakeSeams(db)] }).compile();
    service = moduleRef.get(PersonalTokensService);
    user = db.user({ email: 'ada@example.test' });
  });

  const me = () => userPrincipal(user);
  const tokens = () => [...db.tables.personalTokens.values()];

  describe('create', () => {
    it('returns the secret once and stores only its hash, with both scopes and no survival by default, audited in the transaction', async () => {
      const created = await service.createPersonalToken(me(), { name: 'ci' });
      expect(created.token).toMatch(/^slp_/);
      expect(created).toMatchObject({ name: 'ci', scopes: ['read', 'write'], survive_password_change: false, expires_at: null, prefix: created.token.slice(0, 8), last4: created.token.slice(-4) });
      const [row] = tokens();
      expect(row).toMatchObject({ id: created.id, user_id: user.id, token_hash: sha256Hex(created.token) });
      expect(JSON.stringify(row)).not.toContain(created.token);
      expect(db.audit).toEqual([expect.objectContaining({ tenantId: null, eventType: 'personal_token.created', resourceType: 'personal_token', resourceId: created.id })]);
      expect(JSON.stringify(db.audit)).not.toContain(created.token);
      expect(JSON.stringify(db.audit)).not.toContain(row.token_hash);
    });

    it('keeps the scopes and survival it is given', async () => {
      const created = await service.createPersonalToken(me(), { name: 'read-only', scopes: ['read'], survive_password_change: true });
      expect(tokens()[0]).toMatchObject({ scopes: ['read'], survives_password_change: true });
      expect(created).toMatchObject({ scopes: ['read'], survive_password_change: true });
    });

    it('expires `expires_in_days` from now, or at `expires_at`', async () => {
      const before = Date.now();
      const inDays = await service.createPersonalToken(me(), { name: 'week', expires_in_days: 7 });
      const expiry = Date.parse(inDays.expires_at as string);
      expect(expiry).toBeGreaterThanOrEqual(before + 7 * DAY_MS);
      expect(expiry).toBeLessThanOrEqual(Date.now() + 7 * DAY_MS);
      const at = new Date(Date.now() + DAY_MS).toISOString();
      expect((await service.createPersonalToken(me(), { name: 'day', expires_at: at })).expires_at).toBe(at);
    });

    it('refuses both expiries at once (400 on expires_in_days), writing nothing', async () => {
      const at = new Date(Date.now() + DAY_MS).toISOString();
      await expect(service.createPersonalToken(me(), { name: 'x', expires_at: at, expires_in_days: 1 })).rejects.toMatchObject({ code: 'validation_error', param: 'expires_in_days' });
      expect(tokens()).toHaveLength(0);
      expect(db.audit).toHaveLength(0);
    });

    it('refuses an expiry that is not in the future (400 on expires_at), writing nothing', async () => {
      await expect(service.createPersonalToken(me(), { name: 'x', expires_at: new Date(Date.now() - 1000).toISOString() })).rejects.toMatchObject({
        code: 'validation_error',
        param: 'expires_at',
      });
      expect(tokens()).toHaveLength(0);
      expect(db.audit).toHaveLength(0);
    });

    it('refuses an inactive or vanished user (401) and an API key (403)', async () => {
      db.tables.users.set(user.id, { ...user, is_active: false });
      await expect(service.createPersonalToken(me(), { name: 'x' })).rejects.toMatchObject({ code: 'unauthorized' });
      db.tables.users.delete(user.id);
      await expect(service.createPersonalToken(me(), { name: 'x' })).rejects.toMatchObject({ code: 'unauthorized' });
      const key = db.key(db.tenant(), { created_by: user.id });
      await expect(service.createPersonalToken(keyPrincipal(key, 'admin'), { name: 'x' })).rejects.toMatchObject({ code: 'forbidden' });
      expect(tokens()).toHaveLength(0);
    });
  });

  describe('list', () => {
    it("shows the caller's live tokens only, without their hashes", async () => {
      const mine = db.personalToken(user.id, { name: 'mine' });
      db.personalToken(user.id, { name: 'revoked', revoked_at: new Date() });
      db.personalToken(db.user().id, { name: 'theirs' });
      const listed = await service.listPersonalTokens(me(), window);
      expect(listed).toEqual({ count: 1, results: [expect.objectContaining({ id: mine.id, name: 'mine' })] });
      expect(JSON.stringify(listed)).not.toContain(mine.token_hash);
    });

    it('is refused to an API key (403)', async () => {
      const key = db.key(db.tenant(), { created_by: user.id });
      await expect(Promise.resolve().then(() => service.listPersonalTokens(keyPrincipal(key, 'admin'), window))).rejects.toMatchObject({ code: 'forbidden' });
    });
  });

  describe('revoke', () => {
    it('revokes the caller’s token, audited with what it was', async () => {
      const token = db.personalToken(user.id);
      await service.revokePersonalToken(me(), token.id);
      expect(db.tables.personalTokens.get(token.id)?.revoked_at).toBeInstanceOf(Date);
      expect(db.audit).toEqual([expect.objectContaining({ eventType: 'personal_token.revoked', resourceId: token.id, old: expect.objectContaining({ id: token.id, name: token.name }) })]);
    });

    it("answers another user's token, a revoked one, an unknown id and a malformed id with 404, changing nothing", async () => {
      const theirs = db.personalToken(db.user().id);
      const revoked = db.personalToken(user.id, { revoked_at: new Date(0) });
      for (const id of [theirs.id, revoked.id, '00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
        await expect(service.revokePersonalToken(me(), id)).rejects.toMatchObject({ code: 'not_found', message: 'Token not found' });
      }
      expect(db.tables.personalTokens.get(theirs.id)?.revoked_at).toBeNull();
      expect(db.tables.personalTokens.get(revoked.id)?.revoked_at).toEqual(new Date(0));
      expect(db.audit).toHaveLength(0);
    });

    it('is refused to an API key (403)', async () => {
      const token = db.personalToken(user.id);
      const key = db.key(db.tenant(), { created_by: user.id });
      await expect(service.revokePersonalToken(keyPrincipal(key, 'admin'), token.id)).rejects.toMatchObject({ code: 'forbidden' });
      expect(db.tables.personalTokens.get(token.id)?.revoked_at).toBeNull();
    });
  });
});
