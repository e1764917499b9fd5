import { REDACTED, redactSecrets } from './redaction';

describe('redactSecrets', () => {
  it('replaces secret fields at any depth and keeps the rest', () => {
    expect(
      redactSecrets({
        name: 'ci',
        password: 'p',
        nested: { api_key: 'k', webhook_secret: 's', prefix: 'slk_live_ab', items: [{ token: 't', label: 'x' }] },
        authorization: 'Bearer x',
        key_hash: 'h',
        monkey: 'not a key field',
      }),
    ).toEqual({
      name: 'ci',
      password: REDACTED,
      nested: { api_key: REDACTED, webhook_secret: REDACTED, prefix: 'slk_live_ab', items: [{ token: REDACTED, label: 'x' }] },
      authorization: REDACTED,
      key_hash: REDACTED,
      monkey: 'not a key field',
    });
  });

  it('leaves absent secrets absent rather than inventing a redaction', () => {
    expect(redactSecrets({ password: null, token: undefined })).toEqual({ password: null, token: undefined });
  });

  it('does not modify its input', () => {
    const input = { password: 'p' };
    redactSecrets(input);
    expect(input.password).toBe('p');
  });
});
