import { addMember, createActiveTenant, login, unique, waitUntil } from '@sluice/testing';
import { Client } from 'pg';
import { Cluster } from './support/cluster';
import { SERVICES_TIMEOUT_MS } from './support/services';

/** Issue 15: the gateway stops serving a key within a second of the control plane rewriting it. */
const PROPAGATION_DEADLINE_MS = 1_000;

interface KeyBody {
  id: string;
  key: string;
  scopes: string[];
  status: string;
}

/**
 * Keys written before "a key never acts above its owner" (no hook ran when
 * their owner left or was deactivated, or a member could still create a
 * `write` key) kept serving inference; a control-plane restart reconciles
 * them and the gateway follows.
 */
describe('keys above their owner, written before the rule, are reconciled when the control plane restarts (issue 15)', () => {
  let cluster: Cluster;
  let db: Client;
  let tenant: { id: string; slug: string };

  beforeAll(async () => {
    cluster = await Cluster.start({ controlPlanes: 1, gateways: 1 });
    db = new Client({ connectionString: cluster.databaseUrl });
    await db.connect();
    tenant = await createActiveTenant(cluster.call, cluster.adminToken, unique('reconcile'));
  }, SERVICES_TIMEOUT_MS);

  afterAll(async () => {
    await db?.end();
    await cluster?.close();
  }, SERVICES_TIMEOUT_MS);

  async function person(role: string): Promise<{ membershipId: string; userId: string; token: string }> {
    const email = `${unique(role)}@example.com`;
    const membership = await addMember(cluster.call, cluster.adminToken, tenant.id, email, role);
    return { membershipId: membership.id, userId: membership.user, token: (await login(cluster.call, email)).access };
  }

  async function createKey(token: string, body: Record<string, unknown>): Promise<KeyBody> {
    const created = await cluster.call<KeyBody>('POST', '/api/api-keys/', { token, body: { tenant: tenant.id, name: unique('key'), ...body } });
    expect(created.status).toBe(201);
    return created.body;
  }

  async function chat(secret: string): Promise<{ status: number; code: string | undefined }> {
    const response = await fetch(`${cluster.gateways[0].url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-fast', messages: [{ role: 'user', content: 'ping' }] }),
    });
    const body = (await response.json()) as { error?: { code?: string } };
    return { status: response.status, code: body.error?.code };
  }

  const served = async (secret: string) => (await chat(secret)).status === 200;
  const keyNow = async (id: string) => (await cluster.call<KeyBody>('GET', `/api/api-keys/${id}/`, { token: cluster.adminToken })).body;

  it('revokes the keys of owners who left or were deactivated and narrows a member\'s write key; the gateway refuses within 1 s', async () => {
    const owner = await person('owner');
    const member = await person('member');
    const writeKey = await createKey(member.token, { scopes: ['inference', 'read'] });
    const leaver = await person('member');
    const leftKey = await createKey(leaver.token, { scopes: ['inference'] });
    const gone = await person('admin');
    const deactivatedKey = await createKey(gone.token, { scopes: ['write'] });
    const service = await createKey(owner.token, { service: true, scopes: ['inference'] });
    const within = await createKey(member.token, { scopes: ['inference'] });
    for (const key of [writeKey, leftKey, deactivatedKey, service, within]) {
      await waitUntil(() => served(key.key), PROPAGATION_DEADLINE_MS, 'the key to be served');
    }

    // Plain SQL, as rows were before the rule: nothing projects these changes.
    await db.query(`UPDATE api_keys SET scopes = '{read,write}' WHERE id = $1`, [writeKey.id]);
    await db.query('DELETE FROM tenant_users WHERE id = $1', [leaver.membershipId]);
    await db.query('UPDATE users SET is_active = false WHERE id = $1', [gone.userId]);
    expect(await served(leftKey.key)).toBe(true);
    expect(await served(deactivatedKey.key)).toBe(true);

    await cluster.controlPlanes[0].restart();
    const deadline = Date.now() + PROPAGATION_DEADLINE_MS;
    for (const revoked of [leftKey, deactivatedKey]) {
      await waitUntil(async () => (await chat(revoked.key)).code === 'invalid_api_key', Math.max(0, deadline - Date.now()), 'the gateway to refuse the key');
    }

    expect((await keyNow(leftKey.id)).status).toBe('revoked');
    expect((await keyNow(deactivatedKey.id)).status).toBe('revoked');
    // Narrowed, not revoked: the member's integration keeps serving inference, and acts as a viewer on the control plane.
    expect(await keyNow(writeKey.id)).toEqual(expect.objectContaining({ status: 'active', scopes: ['inference', 'read'] }));
    expect(await served(writeKey.key)).toBe(true);
    for (const untouched of [service, within]) {
      expect(await keyNow(untouched.id)).toEqual(expect.objectContaining({ status: 'active', scopes: untouched.scopes }));
      expect(await served(untouched.key)).toBe(true);
    }
    const audit = await db.query<{ resource_id: string; event_type: string; reason: string }>(
      `SELECT resource_id, event_type, payload -> 'new' ->> 'reason' AS reason FROM audit_events
        WHERE resource_type = 'api_key' AND event_type <> 'api_key.created' AND resource_id = ANY($1) ORDER BY resource_id`,
      [[writeKey.id, leftKey.id, deactivatedKey.id, service.id, within.id]],
    );
    expect(audit.rows.map((row) => [row.resource_id, row.event_type, row.reason]).sort()).toEqual(
      [
        [writeKey.id, 'api_key.updated', 'owner_role_changed'],
        [leftKey.id, 'api_key.revoked', 'owner_left'],
        [deactivatedKey.id, 'api_key.revoked', 'owner_left'],
      ].sort(),
    );
  }, SERVICES_TIMEOUT_MS);
});
