import { randomBytes } from 'node:crypto';
import { SecretBox, SecretBoxError } from './secret-box';

describe('SecretBox', () => {
  const key = randomBytes(32);
  const box = new SecretBox(key);

  it('opens what it sealed, in the same context', () => {
    const sealed = box.seal('whsec_top-secret', 'webhook_endpoint:1');
    expect(sealed).not.toContain('top-secret');
    expect(sealed.split('.')).toHaveLength(5);
    expect(box.open(sealed, 'webhook_endpoint:1')).toBe('whsec_top-secret');
  });

  it('seals the same plaintext differently each time', () => {
    expect(box.seal('same', 'c')).not.toBe(box.seal('same', 'c'));
  });

  it('refuses another context, an altered value and garbage', () => {
    const sealed = box.seal('secret', 'row:1');
    expect(() => box.open(sealed, 'row:2')).toThrow(SecretBoxError);
    const parts = sealed.split('.');
    const flipped = Buffer.from(parts[4], 'base64url');
    flipped[0] ^= 1;
    parts[4] = flipped.toString('base64url');
    expect(() => box.open(parts.join('.'), 'row:1')).toThrow(SecretBoxError);
    expect(() => box.open('plain text', 'row:1')).toThrow(SecretBoxError);
  });

  it('keeps opening values sealed under a previous key after rotation, and says they need sealing again', () => {
    const next = randomBytes(32);
    const oldSealed = box.seal('secret', 'row:1');
    const rotated = new SecretBox(next, [key]);
    expect(rotated.open(oldSealed, 'row:1')).toBe('secret');
    expect(rotated.isCurrent(oldSealed)).toBe(false);
    expect(rotated.isCurrent(rotated.seal('secret', 'row:1'))).toBe(true);
    expect(() => new SecretBox(next).open(oldSealed, 'row:1')).toThrow(/neither SECRETS_KEY nor in SECRETS_KEY_PREVIOUS/);
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow(SecretBoxError);
  });
});
