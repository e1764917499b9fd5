import { renderMail } from './templates';

describe('mail templates', () => {
  it('renders a code in a text and an HTML part', () => {
    const mail = renderMail('verification_code', { code: '012345', minutes: 10 });
    expect(mail.subject).toContain('012345');
    expect(mail.text).toContain('012345');
    expect(mail.html).toContain('<strong');
    expect(mail.html).toContain('012345');
  });
});
