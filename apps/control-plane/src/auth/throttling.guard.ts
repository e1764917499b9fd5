import { Inject, Injectable, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectThrottlerOptions, InjectThrottlerStorage, ThrottlerGuard, type ThrottlerModuleOptions, type ThrottlerRequest, type ThrottlerStorage } from '@nestjs/throttler';
import { SluiceException } from '@sluice/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import type { Principal } from './principal';

type ThrottledRequest = FastifyRequest & { user?: Principal; body?: unknown; tightestRemaining?: number };

export const GENERAL_THROTTLER = 'default';
export const LOGIN_THROTTLER = 'login';
export const SIGNUP_THROTTLER = 'signup';
export type RouteThrottler = typeof LOGIN_THROTTLER | typeof SIGNUP_THROTTLER;

const LIMITED_AS = 'sluice:limited-as';
const reflector = new Reflector();

/** Puts a handler under a tighter throttler of its own, on top of the general one: sign-in attempts, sign-ups. */
export const LimitedAs = (throttler: RouteThrottler) => SetMetadata(LIMITED_AS, throttler);

/** Told by the handler the router matched, never by the URL, which has many spellings (`/%61pi/...`). */
export function isLimitedAs(context: ExecutionContext, throttler: RouteThrottler): boolean {
  return reflector.get<RouteThrottler | undefined>(LIMITED_AS, context.getHandler()) === throttler;
}

/** One counter per tracker across every handler of a throttler: JSON and form sign-in share their attempts. */
export function sharedKey(_context: ExecutionContext, tracker: string, throttler: string): string {
  return createHash('sha256').update(`${throttler}-${tracker}`).digest('hex');
}

/** Signed-in callers are counted per principal, anonymous ones per client address (docs/decisions.md, Throttling). */
export function generalTracker(raw: Record<string, unknown>): string {
  const request = raw as unknown as ThrottledRequest;
  if (!request.user) return `ip:${request.ip}`;
  return request.user.kind === 'user' ? `user:${request.user.userId}` : `key:${request.user.keyId}`;
}

/** Logins per address and account name, so one attacker cannot lock a user out from everywhere. */
export function loginTracker(raw: Record<string, unknown>): string {
  const request = raw as unknown as ThrottledRequest;
  const body = (request.body ?? {}) as { username?: unknown; email?: unknown };
  const name = typeof body.email === 'string' ? body.email : typeof body.username === 'string' ? body.username : '';
  return `login:${request.ip}:${name.trim().toLowerCase()}`;
}

/** Sign-ups per address: each one creates a tenant and an account. */
export function signupTracker(raw: Record<string, unknown>): string {
  return `signup:${(raw as unknown as ThrottledRequest).ip}`;
}

/**
 * `@nestjs/throttler` with its counters in Redis (shared by every replica),
 * answering with the API's rate-limit headers (`X-RateLimit-Reset` in epoch seconds) and
 * its error shape. Runs after authentication, so it knows the principal.
 */
@Injectable()
export class ThrottlingGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
  ) {
    super(options, storage, reflector);
  }

  /**
   * Only the API is limited: probes and scrapers (health, metrics) call often
   * from one address. Told by the route the router matched, never the raw URL.
   */
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    const route = context.switchToHttp().getRequest<FastifyRequest>().routeOptions.url ?? '';
    return !route.startsWith('/api/') || super.shouldSkip(context);
  }

  protected override async handleRequest({ context, limit, ttl, throttler, blockDuration, getTracker, generateKey }: ThrottlerRequest): Promise<boolean> {
    const request = context.switchToHttp().getRequest<ThrottledRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const effectiveLimit = throttler.name === GENERAL_THROTTLER && request.user ? this.config.throttle.authenticatedPerHour : limit;
    const key = generateKey(context, await getTracker(request as unknown as Record<string, unknown>, context), throttler.name as string);
    // Throttling fails open: with Redis down the counters are unknown, and refusing every request would turn an outage of a safeguard into an outage of the API.
    const counted = await this.storageService.increment(key, ttl, effectiveLimit, blockDuration, throttler.name as string).catch(() => null);
    if (!counted) return true;
    const { totalHits, timeToExpire, isBlocked, timeToBlockExpire } = counted;
    const remaining = Math.max(0, effectiveLimit - totalHits);
    // Several windows apply to a login: the headers describe the tightest.
    if (request.tightestRemaining === undefined || remaining < request.tightestRemaining) {
      request.tightestRemaining = remaining;
      void reply.header('X-RateLimit-Limit', effectiveLimit);
      void reply.header('X-RateLimit-Remaining', remaining);
      void reply.header('X-RateLimit-Reset', Math.ceil(Date.now() / 1000) + (isBlocked ? timeToBlockExpire : timeToExpire));
    }
    if (isBlocked) {
      throw new SluiceException('rate_limit_exceeded', `Too many requests: retry in ${timeToBlockExpire} s`, { retry_after: timeToBlockExpire }, null, {
        'Retry-After': String(timeToBlockExpire),
      });
    }
    return true;
  }
}
