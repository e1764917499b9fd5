import { passwordWeakness } from './passwords';

describe('passwordWeakness', () => {
  it.each(['aaaaaaaaaa', 'password123', 'qwertyuiop', '1234567890', 'Password1!'])('refuses %s', (password) => {
    expect(passwordWeakness(password)).toMatch(/^password /);
  });

  it('names the most common passwords as such', () => {
    expect(passwordWeakness('1234567890')).toContain('most common');
  });

  it("refuses a password built from the user's own email", () => {
    expect(passwordWeakness('jane.doe@acme.com1', ['jane.doe@acme.com'])).toContain('email or name');
  });

  it.each(['correct horse battery staple', 'an even better passphrase', 'sluice-admin-password', 'sluice-demo-owner', 'bench-password-not-secret'])('accepts %s', (password) => {
    expect(passwordWeakness(password, ['someone@example.com'])).toBeNull();
  });

  it('judges a long password by its first 64 characters, which keeps the estimate cheap', () => {
    expect(passwordWeakness(`correct horse battery staple ${'a'.repeat(200)}`)).toBeNull();
    expect(passwordWeakness(`${'a'.repeat(64)}correct horse battery staple`)).not.toBeNull();
  });
});
