import { expectErrorShape } from '@sluice/testing';
import { apiClient, TEST_PASSWORD, unique } from './api-client';
import { startControlPlane, type ControlPlaneUnderTest } from './control-plane-harness';
import { startIdentityWorld, type IdentityWorld } from './identity-fixture';
import { awaitCode, mailCount, startMailCatcher, type MailCatcher } from './mail-support';

interface Login {
  access: string;
  user: { id: string; email: string };
}

/** Email verification codes, end to end: the control plane mails through real SMTP to the mail catcher. */
describe('email verification codes', () => {
  let catcher: MailCatcher;
  let world: IdentityWorld;
  beforeAll(async () => {
    catcher = await startMailCatcher();
    world = await startIdentityWorld({ SMTP_URL: catcher.smtpUrl, MAIL_FROM: 'Sluice <no-reply@sluice.test>' });
  });
  afterAll(async () => {
    await world?.app.close();
    await catcher?.close();
  });

  const askForCode = (email: string, headers: Record<string, string> = {}) => world.call<Record<string, unknown>>('POST', '/api/auth/validate-email/', { body: { email }, headers });
  const signIn = (body: Record<string, unknown>) => world.call<Login>('POST', '/api/auth/sign-in/', { body });

  it('mails a 6-digit code (text and HTML) that signs in once, answering like POST /api/auth/token/', async () => {
    const email = world.emails.viewer;
    const before = await mailCount(catcher, email);
    const asked = await askForCode(email);
    expect(asked.status).toBe(202);
    const code = await awaitCode(catcher, email, before);
    const message = catcher.messages(email)[0];
    expect(message.from).toBe('no-reply@sluice.test');
    expect(message.html).toContain(code);

    const signedIn = await signIn({ email, verification_code: code });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body).toMatchObject({ token: expect.any(String), access: expect.any(String), refresh: expect.any(String), token_type: 'Bearer', user: { email } });
    expect((await world.call('GET', '/api/auth/me/', { token: signedIn.body.access })).status).toBe(200);

    const replayed = await signIn({ email, verification_code: code });
    expect(replayed.status).toBe(401);
    expectErrorShape(replayed.body, 'unauthorized');
  });

  it('answers an unknown address exactly as a known one (and mails it a code that signs nobody in)', async () => {
    const known = await askForCode(world.emails.member);
    const nobody = `${unique('nobody')}@example.com`;
    const unknown = await askForCode(nobody);
    expect({ status: unknown.status, body: unknown.body }).toEqual({ status: known.status, body: known.body });
    // Both paths do the same work: a code is stored and mailed either way.
    const code = await awaitCode(catcher, nobody);
    const refused = await signIn({ email: nobody, verification_code: code });
    const wrong = await signIn({ email: world.emails.member, verification_code: '000000' === code ? '111111' : '000000' });
    expect(refused.status).toBe(401);
    expect({ status: refused.status, error: refused.body }).toEqual({ status: wrong.status, error: wrong.body });
  });

  it('burns a code after five wrong tries, so brute force gets nowhere', async () => {
    const email = world.emails.admin;
    const before = await mailCount(catcher, email);
    await askForCode(email);
    const code = await awaitCode(catcher, email, before);
    const wrongCodes = Array.from({ length: 5 }, (_, i) => String((Number(code) + i + 1) % 1_000_000).padStart(6, '0'));
    for (const wrong of wrongCodes) expect((await signIn({ email, verification_code: wrong })).status).toBe(401);
    expect((await signIn({ email, verification_code: code })).status).toBe(401);
  });

  it('a new code replaces the previous one', async () => {
    const email = world.emails.owner;
    const before = await mailCount(catcher, email);
    await askForCode(email);
    const first = await awaitCode(catcher, email, before);
    await askForCode(email);
    const second = await awaitCode(catcher, email, before + 1);
    if (first !== second) expect((await signIn({ email, verification_code: first })).status).toBe(401);
    expect((await signIn({ email, verification_code: second })).status).toBe(200);
  });

  it('limits the codes mailed to one address, whoever asks', async () => {
    const email = `${unique('limited')}@example.com`;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) statuses.push((await askForCode(email)).status);
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
  });

  it('never writes an address to the log in clear: mail lines and request URLs carry it redacted', async () => {
    const email = `${unique('private')}@example.com`;
    const before = await mailCount(catcher, email);
    await askForCode(email);
    await awaitCode(catcher, email, before);
    await world.call('GET', `/api/users/?search=${encodeURIComponent(email)}`, { token: world.tokens.platform_admin });
    const redacted = `${email[0]}***@example.com`;
    const deadline = Date.now() + 5_000;
    while (!(world.app.logs.text.includes(`Sent verification_code mail to ${redacted}`) && world.app.logs.text.includes('search=p***@example.com')) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(world.app.logs.text).toContain(`Sent verification_code mail to ${redacted}`);
    expect(world.app.logs.text).toContain('search=p***@example.com');
    expect(world.app.logs.text).not.toContain(email);
    expect(world.app.logs.text).not.toContain(encodeURIComponent(email));
  });

  it('refuses malformed bodies with 400 in the error shape', async () => {
    expectErrorShape((await askForCode('not-an-email')).body, 'validation_error');
    expectErrorShape((await signIn({ email: world.emails.viewer, verification_code: '12345' })).body, 'validation_error');
    expectErrorShape((await signIn({ verification_code: '123456' })).body, 'validation_error');
  });
});

describe('email codes without mail', () => {
  let app: ControlPlaneUnderTest;
  beforeAll(async () => {
    app = await startControlPlane({ SMTP_URL: undefined });
  });
  afterAll(() => app?.close());

  it('answers 503 mail_not_configured instead of dropping the code', async () => {
    const answer = await apiClient(app.url)('POST', '/api/auth/validate-email/', { body: { email: 'someone@example.com' } });
    expect(answer.status).toBe(503);
    expectErrorShape(answer.body, 'mail_not_configured');
  });
});

describe('registration with REQUIRE_EMAIL_VERIFICATION', () => {
  let catcher: MailCatcher;
  let app: ControlPlaneUnderTest;
  beforeAll(async () => {
    catcher = await startMailCatcher();
    app = await startControlPlane({ SMTP_URL: catcher.smtpUrl, REQUIRE_EMAIL_VERIFICATION: 'true' });
  });
  afterAll(async () => {
    await app?.close();
    await catcher?.close();
  });

  it('needs the mailed code, and creates nothing without it', async () => {
    const call = apiClient(app.url);
    const email = `${unique('verified')}@example.com`;
    const body = { email, password: TEST_PASSWORD, password_confirm: TEST_PASSWORD, first_name: 'Vera', last_name: 'Fied', tenant_name: 'Verified Co' };
    const without = await call('POST', '/api/auth/register/', { body });
    expect(without.status).toBe(400);
    expectErrorShape(without.body, 'validation_error');
    const wrong = await call('POST', '/api/auth/register/', { body: { ...body, verification_code: '000000' } });
    expect(wrong.status).toBe(400);
    expect((await call('POST', '/api/auth/token/', { body: { email, password: TEST_PASSWORD } })).status).toBe(401);

    await call('POST', '/api/auth/validate-email/', { body: { email } });
    const code = await awaitCode(catcher, email);
    const registered = await call('POST', '/api/auth/register/', { body: { ...body, verification_code: code } });
    expect(registered.status).toBe(201);
  });
});
