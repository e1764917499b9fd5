import { loadControlPlaneConfig } from './control-plane.config';

describe('mail settings', () => {
  it('is off without SMTP_URL, with a default sender', () => {
    expect(loadControlPlaneConfig({}).mail).toEqual({ smtpUrl: null, from: 'Sluice <no-reply@sluice.local>', requireEmailVerification: false });
  });

  it('takes an smtp:// or smtps:// URL and refuses anything else', () => {
    expect(loadControlPlaneConfig({ SMTP_URL: 'smtps://u:p@mail.example.com:465' }).mail.smtpUrl).toBe('smtps://u:p@mail.example.com:465');
    expect(() => loadControlPlaneConfig({ SMTP_URL: 'http://mail.example.com' })).toThrow(/SMTP_URL must be an smtp/);
  });

  it('refuses REQUIRE_EMAIL_VERIFICATION without a way to send the code', () => {
    expect(() => loadControlPlaneConfig({ REQUIRE_EMAIL_VERIFICATION: 'true' })).toThrow(/REQUIRE_EMAIL_VERIFICATION=true needs SMTP_URL/);
    expect(loadControlPlaneConfig({ REQUIRE_EMAIL_VERIFICATION: 'true', SMTP_URL: 'smtp://127.0.0.1:1025' }).mail.requireEmailVerification).toBe(true);
  });
});
