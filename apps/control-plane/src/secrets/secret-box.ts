import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Encrypts secrets that Sluice must be able to read back (a partner's signing
 * secret, a webhook endpoint's signing secret, a database password) with
 * AES-256-GCM under `SECRETS_KEY`.
 *
 * A sealed value is one string, `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url
 * parts), so the key that sealed it travels with it: after `SECRETS_KEY` is
 * rotated, values sealed under a key listed in `SECRETS_KEY_PREVIOUS` still
 * open, and `isCurrent` tells which ones to seal again. The `context` (for
 * instance `webhook_endpoint:<id>`) is authenticated but not stored, so a sealed
 * value copied into another row or column does not open there.
 */
export class SecretBox {
  private readonly current: SecretKey;
  private readonly keys: ReadonlyMap<string, Buffer>;

  constructor(currentKey: Buffer, previousKeys: readonly Buffer[] = []) {
    this.current = secretKey(currentKey);
    this.keys = new Map([...previousKeys.map(secretKey), this.current].map(({ id, key }) => [id, key]));
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, this.current.id, iv, cipher.getAuthTag(), ciphertext].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
  }

  /** The plaintext; throws `SecretBoxError` when the value is malformed, sealed under an unknown key, altered, or from another context. */
  open(sealed: string, context: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 5 || parts[0] !== VERSION) throw new SecretBoxError('not a sealed secret');
    const [, keyId, iv, tag, ciphertext] = parts;
    const key = this.keys.get(keyId);
    if (key === undefined) throw new SecretBoxError(`sealed under key ${keyId}, which is neither SECRETS_KEY nor in SECRETS_KEY_PREVIOUS`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('the sealed secret does not authenticate');
    }
  }

  /** Whether the value was sealed under today's `SECRETS_KEY` (false: seal it again). */
  isCurrent(sealed: string): boolean {
    const keyId = sealed.split('.')[1] ?? '';
    return keyId.length === this.current.id.length && timingSafeEqual(Buffer.from(keyId), Buffer.from(this.current.id));
  }
}

export class SecretBoxError extends Error {
  override readonly name = 'SecretBoxError';
}

const VERSION = 'v1';

interface SecretKey {
  readonly id: string;
  readonly key: Buffer;
}

/** The key id names a key without revealing it: the first 8 bytes of its SHA-256, in hex. */
function secretKey(key: Buffer): SecretKey {
  if (key.length !== 32) throw new SecretBoxError('a secrets key must be 32 bytes');
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 16), key };
}
