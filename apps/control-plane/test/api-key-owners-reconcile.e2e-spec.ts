import { Client } from 'pg';
import { login, unique } from './api-client';
import { startControlPlane, type ControlPlaneUnderTest } from './control-plane-harness';
import { addMember, startIdentityWorld, type IdentityWorld } from './identity-fixture';
import { ProjectionProbe } from './projection-client';

interface KeyBody {
  id: string;
  key: string;
  scopes: string[];
  status: string;
}

interface AuditPage {
  results: Array<{ event_type: string; payload: { new: { reason?: string; scopes?: string[]; status?: string } | null } }>;
}

/**
 * Issue 15: keys written before "a key never acts above its owner" are
 * rewritten when the control plane starts, so the gateway stops serving them
 * too; a second start changes nothing.
 */
describe('reconciling existing keys with their owners on start', () => {
  let world: IdentityWorld;
  let admin: string;
  let db: Client;
  let probe: ProjectionProbe;

  beforeAll(async () => {
    world = await startIdentityWorld();
    admin = world.tokens.platform_admin as string;
    db = new Client({ connectionString: world.app.databaseUrl });
    await db.connect();
    probe = new ProjectionProbe(world.app.redisKeyPrefix);
  });
  afterAll(async () => {
    probe?.close();
    await db?.end();
    await world?.app.close();
  });

  async function person(role: string): Promise<{ membershipId: string; userId: string; token: string }> {
    const email = `${unique(role)}@example.com`;
    const membership = await addMember(world.call, admin, world.tenantA.id, email, role);
    return { membershipId: membership.id, userId: membership.user, token: (await login(world.call, email)).access };
  }

  async function createKey(token: string, body: Record<string, unknown>): Promise<KeyBody> {
    const created = await world.call<KeyBody>('POST', '/api/api-keys/', { token, body: { tenant: world.tenantA.id, name: unique('key'), ...body } });
    if (created.status !== 201) throw new Error(`key creation failed: ${created.status} ${JSON.stringify(created.body)}`);
    return created.body;
  }

  const keyNow = async (id: string) => (await world.call<KeyBody>('GET', `/api/api-keys/${id}/`, { token: admin })).body;
  const auditOf = async (id: string) =>
    (await world.call<AuditPage>('GET', `/api/audit/events/?tenant_id=${world.tenantA.id}&resource_type=api_key&resource_id=${id}`, { token: admin })).body.results.filter(
      (event) => event.event_type !== 'api_key.created',
    );

  /**
   * The reconciliation's log lines so far. Nest's logger is process-wide, so
   * with several apps in one process a line may land in any app's capture.
   */
  const reports = (...replicas: ControlPlaneUnderTest[]) =>
    [world.app, ...replicas]
      .flatMap((app) => app.logs.records())
      .map((record) => /^API keys above their owner's current role: (\d+) revoked, (\d+) narrowed$/.exec(String(record['msg'])))
      .filter((match): match is RegExpExecArray => match !== null);
  const total = (matches: RegExpExecArray[]) =>
    matches.reduce((sum, match) => ({ revoked: sum.revoked + Number(match[1]), narrowed: sum.narrowed + Number(match[2]) }), { revoked: 0, narrowed: 0 });

  it('revokes or narrows the keys above their owner, audited and projected, and leaves the rest alone', async () => {
    // Rows as they were before the rule: no hook ran when they were written.
    const member = await person('member');
    const writeKey = await createKey(member.token, { scopes: ['read'] });
    await db.query(`UPDATE api_keys SET scopes = '{read,write}' WHERE id = $1`, [writeKey.id]);
    const leaver = await person('member');
    const leftKey = await createKey(leaver.token, { scopes: ['inference'] });
    await db.query('DELETE FROM tenant_users WHERE id = $1', [leaver.membershipId]);
    const gone = await person('admin');
    const deactivatedKey = await createKey(gone.token, { scopes: ['read', 'write'] });
    await db.query('UPDATE users SET is_active = false WHERE id = $1', [gone.userId]);
    const service = await createKey(world.tokens.owner as string, { service: true, scopes: ['write'] });
    const within = await createKey(member.token, { scopes: ['inference', 'read'] });
    const ownersKey = await createKey(world.tokens.owner as string, { scopes: ['write'] });
    expect((await probe.keyRecord(leftKey.key))?.status).toBe('active');

    // Two replicas starting at once on the same database and Redis (a restart does the same as one).
    const sameStore = { DATABASE_URL: world.app.databaseUrl, REDIS_KEY_PREFIX: world.app.redisKeyPrefix };
    const [replica, twin] = await Promise.all([startControlPlane(sameStore), startControlPlane(sameStore)]);
    try {
      expect(total(reports(replica, twin))).toEqual({ revoked: 2, narrowed: 1 });

      expect(await keyNow(writeKey.id)).toEqual(expect.objectContaining({ status: 'active', scopes: ['inference', 'read'] }));
      expect((await keyNow(leftKey.id)).status).toBe('revoked');
      expect((await keyNow(deactivatedKey.id)).status).toBe('revoked');
      for (const untouched of [service, within, ownersKey]) expect(await keyNow(untouched.id)).toEqual(expect.objectContaining({ status: 'active', scopes: untouched.scopes }));

      expect((await auditOf(writeKey.id)).map((event) => [event.event_type, event.payload.new?.reason])).toEqual([['api_key.updated', 'owner_role_changed']]);
      expect((await auditOf(leftKey.id)).map((event) => [event.event_type, event.payload.new?.reason])).toEqual([['api_key.revoked', 'owner_left']]);
      expect((await auditOf(deactivatedKey.id)).map((event) => [event.event_type, event.payload.new?.reason])).toEqual([['api_key.revoked', 'owner_left']]);
      for (const untouched of [service, within, ownersKey]) expect(await auditOf(untouched.id)).toEqual([]);

      // What the gateway reads: flushed before the replica reported ready.
      expect((await probe.keyRecord(leftKey.key))?.status).toBe('revoked');
      expect((await probe.keyRecord(deactivatedKey.key))?.status).toBe('revoked');
      expect((await probe.keyRecord(writeKey.key))?.scopes).toEqual(['inference', 'read']);
      expect((await probe.keyRecord(service.key))?.status).toBe('active');
    } finally {
      await Promise.all([replica.app.close(), twin.app.close()]);
    }

    // Idempotent: another start finds nothing to change.
    const again = await startControlPlane({ DATABASE_URL: world.app.databaseUrl, REDIS_KEY_PREFIX: world.app.redisKeyPrefix });
    try {
      expect(total(reports(again))).toEqual({ revoked: 2, narrowed: 1 });
      expect(await auditOf(writeKey.id)).toHaveLength(1);
    } finally {
      await again.app.close();
    }
  });
});
