import { randomBytes } from 'node:crypto';

/**
 * A private database's name, which is also its login role's:
 * `<prefix>_<creation time, base 36 ms>_<16 hex>`. The creation time in the
 * name lets the clean-up job tell a database a crash left behind (old, with
 * no key) from one whose key is being created right now (young).
 */
export function newDatabaseName(prefix: string, now = Date.now()): string {
  return `${prefix}_${now.toString(36)}_${randomBytes(8).toString('hex')}`;
}

/** When a name of this prefix was made; null for any other name. */
export function databaseNameCreatedAt(prefix: string, name: string): number | null {
  if (!name.startsWith(`${prefix}_`)) return null;
  const match = /^([0-9a-z]{1,11})_[0-9a-f]{16}$/.exec(name.slice(prefix.length + 1));
  if (!match) return null;
  const time = parseInt(match[1], 36);
  return Number.isSafeInteger(time) ? time : null;
}

/** A password for the key's login role: 32 random bytes, URL-safe, so it fits in a connection string unescaped. */
export function newDatabasePassword(): string {
  return randomBytes(32).toString('base64url');
}
