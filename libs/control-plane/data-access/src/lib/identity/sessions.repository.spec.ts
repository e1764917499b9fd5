import { randomUUID } from 'node:crypto';
import { fakeHash, insertUser, openTestDatabase, rejection, type TestDatabase } from '../../../test/fixtures';
import { isUniqueViolation } from '../sql';
import { SessionsRepository, type RefreshTokenRow } from './sessions.repository';

/** Refresh-token families are user-owned: revoking one user's sessions never ends another's. */
describe('SessionsRepository', () => {
  let db: TestDatabase;
  let sessions: SessionsRepository;

  beforeAll(async () => {
    db = await openTestDatabase();
    sessions = new SessionsRepository(db.dataSource);
  });

  afterAll(() => db?.close());

  const inAnHour = () => new Date(Date.now() + 3_600_000);

  async function issue(userId: string, familyId: string = randomUUID()): Promise<RefreshTokenRow> {
    const tokenHash = fakeHash();
    await db.unitOfWork.run((tx) => sessions.create(tx, { userId, familyId, tokenHash, expiresAt: inAnHour() }));
    return (await sessions.findByHash(tokenHash)) as RefreshTokenRow;
  }

  const revoked = async (token: RefreshTokenRow) => (await sessions.findByHash(token.token_hash))?.revoked_at ?? null;

  it("revokes all of user A's families but the one kept, and none of user B's", async () => {
    const [a, b] = [await insertUser(db.dataSource), await insertUser(db.dataSource)];
    const current = await issue(a);
    const [other, rotated] = [await issue(a), await issue(a)];
    const sameFamily = await issue(a, rotated.family_id);
    const ofB = await issue(b);
    const families = await db.unitOfWork.run((tx) => sessions.revokeAllOfUser(tx, a, current.family_id));
    expect(families.sort()).toEqual([other.family_id, rotated.family_id].sort());
    for (const token of [other, rotated, sameFamily]) expect(await revoked(token)).toBeInstanceOf(Date);
    expect(await revoked(current)).toBeNull();
    expect(await revoked(ofB)).toBeNull();
    // Without a family to keep, every live one goes, and those revoked already are not answered again.
    expect(await db.unitOfWork.run((tx) => sessions.revokeAllOfUser(tx, a))).toEqual([current.family_id]);
  });

  it('revokes one family only', async () => {
    const user = await insertUser(db.dataSource);
    const first = await issue(user);
    const next = await issue(user, first.family_id);
    const otherFamily = await issue(user);
    await db.unitOfWork.run((tx) => sessions.revokeFamily(tx, first.family_id));
    expect(await revoked(first)).toBeInstanceOf(Date);
    expect(await revoked(next)).toBeInstanceOf(Date);
    expect(await revoked(otherFamily)).toBeNull();
  });

  it('marks one token used and holds each hash once', async () => {
    const user = await insertUser(db.dataSource);
    const [token, sibling] = [await issue(user), await issue(user)];
    const locked = await db.unitOfWork.run(async (tx) => {
      const row = await sessions.findForUpdate(tx, token.token_hash);
      await sessions.markUsed(tx, (row as RefreshTokenRow).id);
      return row;
    });
    expect(locked?.id).toBe(token.id);
    expect((await sessions.findByHash(token.token_hash))?.used_at).toBeInstanceOf(Date);
    expect((await sessions.findByHash(sibling.token_hash))?.used_at).toBeNull();
    const duplicate = db.unitOfWork.run((tx) => sessions.create(tx, { userId: user, familyId: randomUUID(), tokenHash: token.token_hash, expiresAt: inAnHour() }));
    expect(isUniqueViolation(await rejection(duplicate))).toBe(true);
  });
});
