import { isKnownSecret, refuseKnownSecret } from './known-secrets';

describe('isKnownSecret', () => {
  it.each([
    'changeme',
    'CHANGE_ME-please-0123456789abcdef0123456789',
    'secret',
    'Password',
    'replace-me-with-32-random-characters!!',
    'an-example-jwt-secret-of-forty-characters',
    'sluice-development-jwt-secret-do-not-use',
    'dev-only-jwt-secret-do-not-use-in-production',
    '0'.repeat(64),
    'f'.repeat(64),
    `${'A'.repeat(43)}=`,
  ])('knows %p', (value) => {
    expect(isKnownSecret(value)).toBe(true);
  });

  it.each(['9f1c2a7be04d4f6a8c3e5b1d7a9f0e2c4b6d8f0a1c3e5a7b9d1f3a5c7e9b1d3f', 'q8Vn2LrT5xKw9ZpB3mYc7HdJ6sGf4AeU1tWo0iRk8N=', 'correct horse battery staple, twice over'])('accepts a value of its own: %p', (value) => {
    expect(isKnownSecret(value)).toBe(false);
  });

  it('refuses only in production, naming the variable and not the value', () => {
    expect(refuseKnownSecret('changeme', 'SECRETS_KEY', false)).toBe('changeme');
    expect(() => refuseKnownSecret('changeme', 'SECRETS_KEY', true)).toThrow(/^Invalid configuration: SECRETS_KEY is a value published in the Sluice repository or a placeholder; under NODE_ENV=production set a secret of your own/);
    expect(() => refuseKnownSecret('changeme', 'SECRETS_KEY', true)).toThrow(/^(?!.*changeme)/);
  });
});
