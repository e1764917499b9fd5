import { Inject, Injectable } from '@nestjs/common';
import { isAccessTokenRevoked } from '@sluice/auth';
import { RedisKeys } from '@sluice/contracts';
import { REDIS, SluiceException } from '@sluice/platform';
import type { Redis } from 'ioredis';

/**
 * Revoked access tokens, in Redis so that every replica (and the gateway)
 * agrees at once: a logged-out token by its id, and whole sessions (refresh
 * families) on password change or deactivation. Entries live as long as an
 * access token could, so the sets never grow.
 */
@Injectable()
export class TokenRevocation {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async revokeToken(jti: string, expiresAtEpochSeconds: number): Promise<void> {
    const ttl = expiresAtEpochSeconds - Math.floor(Date.now() / 1000);
    if (ttl > 0) await this.redis.set(RedisKeys.revokedAccessToken(jti), '1', 'EX', ttl);
  }

  async revokeSessions(sessionIds: string[], accessTokenTtlSeconds: number): Promise<void> {
    if (sessionIds.length === 0) return;
    // One SET each rather than a pipeline: on a Redis Cluster the sessions' keys are spread over nodes.
    await Promise.all(sessionIds.map((id) => this.redis.set(RedisKeys.revokedSession(id), '1', 'EX', accessTokenTtlSeconds)));
  }

  /** Without Redis nobody can tell whether a token was revoked: 503, which clients retry, rather than letting it through. */
  async isRevoked(jti: string, sessionId: string): Promise<boolean> {
    return isAccessTokenRevoked(this.redis, { jti, sid: sessionId }).catch(() => {
      throw new SluiceException('service_unavailable', 'Sessions cannot be checked right now (Redis is unavailable); retry shortly');
    });
  }
}
