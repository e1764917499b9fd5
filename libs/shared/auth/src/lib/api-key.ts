import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { KEY_ENVIRONMENT_PREFIXES, KEY_ENVIRONMENTS, type KeyEnvironment } from '@sluice/contracts';

/**
 * Tenant API keys (README.md, API: keys), in GitHub's token format: `slk_live_`,
 * `slk_test_`, `slk_staging_` or `slk_dev_` (docs/limits.md, Environments),
 * 36 random base62 characters, then a 6-character base62 CRC32
 * of those 36. The checksum lets us refuse a mistyped key without a lookup,
 * and lets secret scanners validate a leaked key offline.
 */
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RANDOM_LENGTH = 36;
const CHECKSUM_LENGTH = 6;
const KEY_PATTERN = /^slk_(live|test|staging|dev)_([0-9A-Za-z]{36})([0-9A-Za-z]{6})$/;
const ENVIRONMENT_OF_PREFIX = new Map(KEY_ENVIRONMENTS.map((environment) => [KEY_ENVIRONMENT_PREFIXES[environment], environment]));
/** What lists show after the environment's prefix: the first four random characters. */
const VISIBLE_RANDOM = 4;

export interface GeneratedApiKey {
  secret: string;
  hash: string;
  /** What lists show: `slk_live_AbCd` (environment and first four random characters). */
  prefix: string;
  last4: string;
}

export function generateApiKey(environment: KeyEnvironment): GeneratedApiKey {
  const random = randomBase62(RANDOM_LENGTH);
  const start = `slk_${KEY_ENVIRONMENT_PREFIXES[environment]}_`;
  const secret = `${start}${random}${checksum(random)}`;
  return { secret, hash: hashApiKey(secret), prefix: secret.slice(0, start.length + VISIBLE_RANDOM), last4: secret.slice(-4) };
}

/** The environment of a well-formed key with a valid checksum; null for anything else. */
export function parseApiKey(secret: string): { environment: KeyEnvironment } | null {
  const match = KEY_PATTERN.exec(secret);
  if (!match || checksum(match[2]) !== match[3]) return null;
  const environment = ENVIRONMENT_OF_PREFIX.get(match[1]);
  return environment ? { environment } : null;
}

/** What is stored and looked up: hex SHA-256 of the whole key. */
export function hashApiKey(secret: string): string {
  return sha256Hex(secret);
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Constant-time comparison of two strings of hex or other ASCII. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function checksum(random: string): string {
  return toBase62(crc32(random)).padStart(CHECKSUM_LENGTH, '0');
}

function toBase62(value: number): string {
  let out = '';
  do {
    out = BASE62[value % 62] + out;
    value = Math.floor(value / 62);
  } while (value > 0);
  return out;
}

/** Unbiased: bytes at or above 248 (= 4 × 62) are discarded rather than folded in. */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}
