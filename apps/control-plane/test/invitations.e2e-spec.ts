import { expectErrorShape } from '@sluice/testing';
import { apiClient, TEST_PASSWORD, unique } from './api-client';
import { startControlPlane, type ControlPlaneUnderTest } from './control-plane-harness';
import { startIdentityWorld, type IdentityWorld } from './identity-fixture';
import { awaitMail, mailCount, startMailCatcher, type MailCatcher } from './mail-support';

interface Invitation {
  id: string;
  tenant: string;
  email: string;
  role: string;
  status: string;
}

/** Invitations end to end: mailed through real SMTP to the mail catcher, tokens read from the message. */
describe('invitations', () => {
  let catcher: MailCatcher;
  let world: IdentityWorld;
  beforeAll(async () => {
    catcher = await startMailCatcher();
    world = await startIdentityWorld({ SMTP_URL: catcher.smtpUrl, PUBLIC_BASE_URL: 'https://sluice.example.test' });
  });
  afterAll(async () => {
    await world?.app.close();
    await catcher?.close();
  });

  const invite = (email: string, role = 'member', token = world.tokens.admin) =>
    world.call<Invitation>('POST', '/api/tenant-users/', { token, body: { tenant: world.tenantA.id, email, role } });
  const accept = (token: string, body: Record<string, unknown> = { password: 'a fresh and long passphrase', first_name: 'Ina', last_name: 'Vited' }) =>
    world.call<{ access: string; user: { email: string; first_name: string }; tenant: { id: string } }>('POST', `/api/auth/invitations/${token}/accept/`, { body });

  async function tokenFor(email: string, after = 0): Promise<string> {
    const message = await awaitMail(catcher, email, /Invitation token: sli_/, { after });
    expect(message.html).toContain('sli_');
    expect(message.text).toContain('https://sluice.example.test/api/auth/invitations/');
    return (/Invitation token: (sli_[0-9A-Za-z]+)/.exec(message.text) as RegExpExecArray)[1];
  }

  it('mails an unknown address a token that creates the user and the membership once; a replay is 410', async () => {
    const email = `${unique('invitee')}@example.com`;
    const invited = await invite(email);
    expect(invited.status).toBe(202);
    expect(invited.body).toMatchObject({ email, role: 'member', status: 'pending', tenant: world.tenantA.id });
    const token = await tokenFor(email);

    const accepted = await accept(token);
    expect(accepted.status).toBe(201);
    expect(accepted.body).toMatchObject({ user: { email, first_name: 'Ina' }, tenant: { id: world.tenantA.id } });
    const me = await world.call<{ tenants: Array<{ id: string; role: string }> }>('GET', '/api/auth/me/', { token: accepted.body.access });
    expect(me.body.tenants).toEqual([expect.objectContaining({ id: world.tenantA.id, role: 'member' })]);
    expect((await world.call('POST', '/api/auth/token/', { body: { email, password: 'a fresh and long passphrase' } })).status).toBe(200);

    const replay = await accept(token, { password: 'another long passphrase', first_name: 'Mal', last_name: 'Lory' });
    expect(replay.status).toBe(410);
    expectErrorShape(replay.body, 'gone');
    const listed = await world.call<{ results: Invitation[] }>('GET', `/api/invitations/?tenant=${world.tenantA.id}`, { token: world.tokens.admin });
    expect(listed.body.results.find((row) => row.id === invited.body.id)?.status).toBe('accepted');
    // The token is a credential: the access log shows the route, not the token.
    expect(world.app.logs.text).toContain('/api/auth/invitations/[redacted]/accept/');
    expect(world.app.logs.text).not.toContain(token);
  });

  it('lets an existing account join only with its own password', async () => {
    const invited = await invite(world.emails.outsider, 'viewer');
    expect(invited.status).toBe(202);
    const token = await tokenFor(world.emails.outsider);
    const wrong = await accept(token, { password: 'not the right passphrase at all', first_name: 'X', last_name: 'Y' });
    expect(wrong.status).toBe(401);
    const right = await accept(token, { password: TEST_PASSWORD, first_name: 'X', last_name: 'Y' });
    expect(right.status).toBe(201);
    expect(right.body.user.email).toBe(world.emails.outsider);
  });

  it('resends with a new token (the old one is 404) and revokes (410)', async () => {
    const email = `${unique('resent')}@example.com`;
    const invited = await invite(email);
    const first = await tokenFor(email);
    const resent = await world.call<Invitation>('POST', `/api/invitations/${invited.body.id}/resend/`, { token: world.tokens.admin });
    expect(resent.status).toBe(200);
    const second = await tokenFor(email, 1);
    expect(second).not.toBe(first);
    expect((await accept(first)).status).toBe(404);

    expect((await world.call('DELETE', `/api/invitations/${invited.body.id}/`, { token: world.tokens.admin })).status).toBe(204);
    const revoked = await accept(second);
    expect(revoked.status).toBe(410);
    expectErrorShape(revoked.body, 'gone');
    expect((await world.call('POST', '/api/auth/token/', { body: { email, password: 'a fresh and long passphrase' } })).status).toBe(401);
  });

  it('inviting the same address again renews its pending invitation', async () => {
    const email = `${unique('twice')}@example.com`;
    const first = await invite(email);
    const second = await invite(email, 'viewer');
    expect(second.body.id).toBe(first.body.id);
    expect(second.body.role).toBe('viewer');
    expect(await mailCount(catcher, email)).toBeGreaterThanOrEqual(1);
  });

  it('keeps invitations to tenant admins: members get 403, other tenants 404, anonymous 401', async () => {
    const invited = await invite(`${unique('scoped')}@example.com`);
    const stranger = await world.call<{ access: string }>('POST', '/api/auth/register/', {
      body: { email: `${unique('stranger')}@example.com`, password: TEST_PASSWORD, password_confirm: TEST_PASSWORD, first_name: 'S', last_name: 'T', tenant_name: unique('Stranger Co') },
    });
    expect((await world.call('GET', `/api/invitations/?tenant=${world.tenantA.id}`, { token: world.tokens.member })).status).toBe(403);
    expect((await world.call('GET', `/api/invitations/?tenant=${world.tenantA.id}`, { token: stranger.body.access })).status).toBe(404);
    expect((await world.call('POST', `/api/invitations/${invited.body.id}/resend/`, { token: stranger.body.access })).status).toBe(404);
    expect((await world.call('DELETE', `/api/invitations/${invited.body.id}/`, { token: world.tokens.viewer })).status).toBe(403);
    expect((await world.call('GET', `/api/invitations/?tenant=${world.tenantA.id}`)).status).toBe(401);
    // An admin cannot invite an owner.
    expect((await invite(`${unique('boss')}@example.com`, 'owner')).status).toBe(403);
  });

  it('answers a malformed or unknown token 404 and a weak password 400', async () => {
    expect((await accept('not-a-token')).status).toBe(404);
    expect((await accept(`sli_${'A'.repeat(43)}`)).status).toBe(404);
    const email = `${unique('weak')}@example.com`;
    await invite(email);
    const token = await tokenFor(email);
    const weak = await accept(token, { password: 'password', first_name: 'W', last_name: 'K' });
    expect(weak.status).toBe(400);
    expectErrorShape(weak.body, 'validation_error');
  });
});

describe('invitations without mail', () => {
  let app: ControlPlaneUnderTest;
  beforeAll(async () => {
    app = await startControlPlane({ SMTP_URL: undefined, SLUICE_ADMIN_EMAIL: 'root@example.com', SLUICE_ADMIN_PASSWORD: TEST_PASSWORD });
  });
  afterAll(() => app?.close());

  it('answers 503 mail_not_configured and saves no invitation', async () => {
    const call = apiClient(app.url);
    const admin = (await call<{ access: string }>('POST', '/api/auth/token/', { body: { email: 'root@example.com', password: TEST_PASSWORD } })).body.access;
    const tenant = await call<{ id: string }>('POST', '/api/tenants/', { token: admin, body: { name: 'No Mail', slug: unique('nomail') } });
    const answer = await call('POST', '/api/tenant-users/', { token: admin, body: { tenant: tenant.body.id, email: 'someone@example.com', role: 'viewer' } });
    expect(answer.status).toBe(503);
    expectErrorShape(answer.body, 'mail_not_configured');
    const listed = await call<{ count: number }>('GET', `/api/invitations/?tenant=${tenant.body.id}`, { token: admin });
    expect(listed.body.count).toBe(0);
  });
});
