import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { REDIS } from '@sluice/platform';
import type { Redis } from 'ioredis';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import {
  generalTracker,
  GENERAL_THROTTLER,
  isLimitedAs,
  LOGIN_THROTTLER,
  loginTracker,
  sharedKey,
  SIGNUP_THROTTLER,
  signupTracker,
} from './throttling.guard';

/**
 * The control plane's request limits (the `THROTTLE_*` settings in
 * docs/operations.md): anonymous per hour per address, signed-in per hour per
 * principal, logins per minute per address and account; and sign-ups per hour
 * per address. Handlers opt into the login and sign-up limits with `@LimitedAs`.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [CONTROL_PLANE_CONFIG, REDIS],
      useFactory: (config: ControlPlaneConfig, redis: Redis) => ({
        storage: new ThrottlerStorageRedisService(redis),
        throttlers: [
          { name: GENERAL_THROTTLER, ttl: 3_600_000, limit: config.throttle.anonymousPerHour, getTracker: generalTracker },
          {
            name: LOGIN_THROTTLER,
            ttl: 60_000,
            limit: config.throttle.loginPerMinute,
            getTracker: loginTracker,
            generateKey: sharedKey,
            skipIf: (context) => !isLimitedAs(context, LOGIN_THROTTLER),
          },
          {
            name: SIGNUP_THROTTLER,
            ttl: 3_600_000,
            limit: config.throttle.signupPerHour,
            getTracker: signupTracker,
            generateKey: sharedKey,
            skipIf: (context) => !isLimitedAs(context, SIGNUP_THROTTLER),
          },
        ],
      }),
    }),
  ],
  exports: [ThrottlerModule],
})
export class ThrottlingModule {}
