import { fakeHash, insertUser, openTestDatabase, type TestDatabase } from '../../../test/fixtures';
import { PersonalTokensRepository, type PersonalTokenRow } from './personal-tokens.repository';

/** User-owned rows: user A never sees or revokes user B's tokens. */
describe('PersonalTokensRepository', () => {
  let db: TestDatabase;
  let tokens: PersonalTokensRepository;

  beforeAll(async () => {
    db = await openTestDatabase();
    tokens = new PersonalTokensRepository(db.dataSource);
  });

  afterAll(() => db?.close());

  const everything = { limit: 100, offset: 0 };
  const create = (userId: string, fields: { name?: string; expiresAt?: Date | null } = {}): Promise<PersonalTokenRow> => {
    const token = {
      name: fields.name ?? 'cli',
      tokenHash: fakeHash(),
      prefix: 'pat',
      last4: 'wxyz',
      expiresAt: fields.expiresAt ?? null,
      scopes: ['read', 'write'] as Array<'read' | 'write'>,
      survivesPasswordChange: false,
    };
    return db.unitOfWork.run((tx) => tokens.create(tx, userId, token));
  };
  const revokedAt = async (id: string): Promise<Date | null> =>
    (await db.dataSource.query('SELECT revoked_at FROM personal_access_tokens WHERE id = $1', [id]))[0].revoked_at;

  async function twoUsers() {
    const [a, b] = [await insertUser(db.dataSource), await insertUser(db.dataSource)];
    return { a, b, ofA: await create(a), ofB: [await create(b), await create(b)] };
  }

  describe("never shows or revokes another user's tokens", () => {
    it('reads and lists only the user named', async () => {
      const { a, ofA, ofB } = await twoUsers();
      expect(await tokens.findById(a, ofB[0].id)).toBeNull();
      expect(await tokens.findById(a, ofA.id)).toEqual(ofA);
      expect(await tokens.list(a, everything)).toEqual({ rows: [ofA], count: 1 });
    });

    it("leaves B's tokens live when A revokes them or revokes all of A's", async () => {
      const { a, ofA, ofB } = await twoUsers();
      await db.unitOfWork.run((tx) => tokens.revoke(tx, a, ofB[0].id));
      expect(await revokedAt(ofB[0].id)).toBeNull();
      await db.unitOfWork.run((tx) => tokens.revokeAllOfUser(tx, a));
      expect(await revokedAt(ofA.id)).toBeInstanceOf(Date);
      for (const token of ofB) expect(await revokedAt(token.id)).toBeNull();
    });
  });

  it('hides a revoked token from reads and lists, and refuses it', async () => {
    const user = await insertUser(db.dataSource);
    const [kept, revoked] = [await create(user, { name: 'kept' }), await create(user, { name: 'revoked' })];
    await db.unitOfWork.run((tx) => tokens.revoke(tx, user, revoked.id));
    expect(await tokens.findById(user, revoked.id)).toBeNull();
    expect(await tokens.list(user, everything)).toEqual({ rows: [kept], count: 1 });
    expect(await tokens.authenticate(revoked.token_hash)).toBeNull();
  });

  it('authenticates a live token, stamping its use, and refuses an expired one', async () => {
    const user = await insertUser(db.dataSource);
    const live = await create(user, { expiresAt: new Date(Date.now() + 3_600_000) });
    const expired = await create(user, { expiresAt: new Date(Date.now() - 1_000) });
    expect(await tokens.authenticate(live.token_hash)).toEqual(expect.objectContaining({ id: live.id, last_used_at: expect.any(Date) }));
    expect(await tokens.authenticate(expired.token_hash)).toBeNull();
    expect(await tokens.authenticate(fakeHash())).toBeNull();
  });

  it('lists newest first, in pages with the total', async () => {
    const user = await insertUser(db.dataSource);
    const created: PersonalTokenRow[] = [];
    for (const name of ['first', 'second', 'third']) {
      const token = await create(user, { name });
      await db.dataSource.query(`UPDATE personal_access_tokens SET created_at = now() - make_interval(secs => $2) WHERE id = $1`, [token.id, 10 - created.length]);
      created.push(token);
    }
    const page = await tokens.list(user, { limit: 2, offset: 0 });
    expect(page.rows.map((row) => row.name)).toEqual(['third', 'second']);
    expect(page.count).toBe(3);
  });
});
