import { Inject, Injectable } from '@nestjs/common';
import { RedisKeys } from '@sluice/contracts';
import { REDIS, SluiceException } from '@sluice/platform';
import type { Redis } from 'ioredis';
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { Mailer } from '../mail/mailer';

/** How long a mailed code works, and how many wrong tries burn it. */
export const CODE_TTL_SECONDS = 600;
export const CODE_MAX_TRIES = 5;
/** Codes mailed per address, and asked for per client address, in an hour. */
export const CODE_SENDS_PER_ADDRESS_PER_HOUR = 5;
export const CODE_SENDS_PER_IP_PER_HOUR = 30;

/**
 * Reads the stored code's digest and counts the try in one step, so replicas
 * racing on the same code cannot get more than CODE_MAX_TRIES between them.
 * Returns [digest, tries] or nil when no code is waiting.
 */
const TRY_CODE = `
local digest = redis.call('HGET', KEYS[1], 'digest')
if not digest then return nil end
local tries = redis.call('HINCRBY', KEYS[1], 'tries', 1)
if tries > tonumber(ARGV[1]) then redis.call('DEL', KEYS[1]) return nil end
return {digest, tries}`;

/**
 * Six-digit codes mailed to an address (docs/security.md, Email codes). Kept
 * in Redis, shared by every replica: only a keyed digest of the address (in
 * the key) and of the code (in the value), for ten minutes, five wrong tries
 * at most, and a code works once. A code is mailed whether or not an account
 * has the address: the same work on both paths, and the answer never says.
 */
@Injectable()
export class EmailCodes {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    private readonly mailer: Mailer,
  ) {}

  async send(email: string, clientIp: string): Promise<void> {
    this.mailer.requireConfigured();
    const address = normalise(email);
    const addressKey = this.digest('address', address);
    const counts = await this.redis
      .multi()
      .incr(RedisKeys.emailCodeSendsFromIp(clientIp))
      .expire(RedisKeys.emailCodeSendsFromIp(clientIp), 3600, 'NX')
      .incr(RedisKeys.emailCodeSendsToAddress(addressKey))
      .expire(RedisKeys.emailCodeSendsToAddress(addressKey), 3600, 'NX')
      .exec();
    const fromIp = Number(counts?.[0]?.[1] ?? 0);
    const toAddress = Number(counts?.[2]?.[1] ?? 0);
    if (fromIp > CODE_SENDS_PER_IP_PER_HOUR || toAddress > CODE_SENDS_PER_ADDRESS_PER_HOUR) {
      throw new SluiceException('rate_limit_exceeded', 'Too many codes asked for: try again within the hour', { retry_after_seconds: 3600 });
    }
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const key = RedisKeys.emailCode(addressKey);
    // A new code replaces the previous one (and its tries).
    await this.redis.multi().del(key).hset(key, 'digest', this.digest('code', `${address}:${code}`), 'tries', '0').expire(key, CODE_TTL_SECONDS).exec();
    this.mailer.sendLater('verification_code', address, { code, minutes: CODE_TTL_SECONDS / 60 });
  }

  /**
   * True once for the right code; every try counts, and the code is gone
   * after the fifth wrong one. Compared in constant time.
   */
  async consume(email: string, code: string): Promise<boolean> {
    const address = normalise(email);
    const key = RedisKeys.emailCode(this.digest('address', address));
    const expected = Buffer.from(this.digest('code', `${address}:${code}`));
    const stored = (await this.redis.eval(TRY_CODE, 1, key, String(CODE_MAX_TRIES))) as [string, number] | null;
    const actual = Buffer.from(stored?.[0] ?? '0'.repeat(expected.length));
    const matches = actual.length === expected.length && timingSafeEqual(actual, expected) && stored !== null;
    if (matches) return (await this.redis.del(key)) === 1;
    if (stored && stored[1] >= CODE_MAX_TRIES) await this.redis.del(key);
    return false;
  }

  /** HMAC with the server's secret: a 6-digit code's plain hash would fall to a million guesses. */
  private digest(purpose: string, value: string): string {
    return createHmac('sha256', this.config.jwtSecret).update(`email-code:${purpose}:${value}`).digest('hex');
  }
}

function normalise(email: string): string {
  return email.trim().toLowerCase();
}
