import { randomBytes } from 'node:crypto';
import { insertTenant, openTestDatabase, rejection, unique, type TestDatabase } from '../../../test/fixtures';
import { isUniqueViolation } from '../sql';
import { InvitationsRepository } from './invitations.repository';

describe('InvitationsRepository', () => {
  let db: TestDatabase;
  let invitations: InvitationsRepository;

  beforeAll(async () => {
    db = await openTestDatabase();
    invitations = new InvitationsRepository(db.dataSource);
  });

  afterAll(() => db?.close());

  const invite = (tenantId: string, email: string, tokenHash = randomBytes(32).toString('hex')) =>
    db.unitOfWork.run((tx) => invitations.create(tx, { tenantId, email, role: 'viewer', tokenHash, invitedBy: null, expiresAt: new Date(Date.now() + 60_000) }));

  it('keeps one pending invitation per tenant and address (any case); an accepted one makes room for the next', async () => {
    const tenant = await insertTenant(db.dataSource);
    const email = `Inv-${unique()}@example.com`;
    const first = await invite(tenant, email);
    expect(isUniqueViolation(await rejection(invite(tenant, email.toLowerCase())), 'invitations_pending_once')).toBe(true);
    expect((await db.unitOfWork.run((tx) => invitations.findPendingForUpdate(tx, tenant, email.toUpperCase())))?.id).toBe(first.id);
    await db.unitOfWork.run((tx) => invitations.revoke(tx, first.id));
    expect(await db.unitOfWork.run((tx) => invitations.findPendingForUpdate(tx, tenant, email))).toBeNull();
    await expect(invite(tenant, email)).resolves.toMatchObject({ email });
  });

  it('finds an invitation by its token digest only, and renewing replaces the digest', async () => {
    const tenant = await insertTenant(db.dataSource);
    const digest = randomBytes(32).toString('hex');
    const next = randomBytes(32).toString('hex');
    const row = await invite(tenant, `t-${unique()}@example.com`, digest);
    expect((await db.unitOfWork.run((tx) => invitations.findByTokenHashForUpdate(tx, digest)))?.id).toBe(row.id);
    const renewed = await db.unitOfWork.run((tx) => invitations.renew(tx, row.id, next, new Date(Date.now() + 120_000)));
    expect(renewed.token_hash).toBe(next);
    expect(await db.unitOfWork.run((tx) => invitations.findByTokenHashForUpdate(tx, digest))).toBeNull();
    const listed = await invitations.list(tenant, { limit: 10, offset: 0 });
    expect(listed.rows.map((invitation) => invitation.id)).toEqual([row.id]);
  });
});
