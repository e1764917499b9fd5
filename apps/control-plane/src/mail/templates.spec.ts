import { renderMail } from './templates';

describe('mail templates', () => {
  it('renders a code in a text and an HTML part', () => {
    const mail = renderMail('verification_code', { code: '012345', minutes: 10 });
    expect(mail.subject).toContain('012345');
    expect(mail.text).toContain('012345');
    expect(mail.html).toContain('<strong');
    expect(mail.html).toContain('012345');
  });

  it('escapes what a tenant admin chose in the HTML part of an invitation', () => {
    const mail = renderMail('invitation', { tenantName: '<script>x</script>', role: 'viewer', token: 'sli_abc', acceptUrl: 'http://x/api/auth/invitations/sli_abc/accept/', days: 7 });
    expect(mail.html).not.toContain('<script>');
    expect(mail.text).toContain('sli_abc');
    expect(mail.subject).toContain('<script>x</script>');
  });
});
