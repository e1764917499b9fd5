import { generateApiKey, hashApiKey, parseApiKey, randomBase62 } from './api-key';

describe('API key format', () => {
  it('generates keys in the slk_<env>_ + 36 + 6 checksum format that parse back', () => {
    const prefixes = { live: 'slk_live_', test: 'slk_test_', staging: 'slk_staging_', development: 'slk_dev_' } as const;
    for (const [environment, start] of Object.entries(prefixes) as Array<[keyof typeof prefixes, string]>) {
      const key = generateApiKey(environment);
      expect(key.secret).toMatch(new RegExp(`^${start}[0-9A-Za-z]{42}$`));
      expect(parseApiKey(key.secret)).toEqual({ environment });
      expect(key.hash).toBe(hashApiKey(key.secret));
      expect(key.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(key.prefix).toBe(key.secret.slice(0, start.length + 4));
      expect(key.last4).toBe(key.secret.slice(-4));
    }
  });

  it('refuses a key whose checksum does not match, without any lookup', () => {
    const { secret } = generateApiKey('live');
    const flipped = secret.slice(0, 20) + (secret[20] === 'a' ? 'b' : 'a') + secret.slice(21);
    expect(parseApiKey(flipped)).toBeNull();
  });

  it.each(['', 'slk_live_short', 'sk-abc', 'slk_prod_' + 'a'.repeat(42), 'slk_development_' + 'a'.repeat(42), 'slk_live_' + 'a'.repeat(41) + '!'])(
    'refuses malformed key %p',
    (secret) => expect(parseApiKey(secret)).toBeNull(),
  );

  it('draws random characters from the whole alphabet', () => {
    const seen = new Set(randomBase62(20_000));
    expect(seen.size).toBe(62);
  });

  it('never repeats a key', () => {
    const secrets = new Set(Array.from({ length: 1000 }, () => generateApiKey('test').secret));
    expect(secrets.size).toBe(1000);
  });
});
