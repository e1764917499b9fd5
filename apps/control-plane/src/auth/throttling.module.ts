import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { REDIS } from '@sluice/platform';
import type { Redis } from 'ioredis';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { generalTracker, GENERAL_THROTTLER, isLoginRequest, LOGIN_THROTTLER, loginTracker } from './throttling.guard';

/** The limits of SPEC 2: anonymous per hour per address, signed-in per hour per principal, logins per minute. */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [CONTROL_PLANE_CONFIG, REDIS],
      useFactory: (config: ControlPlaneConfig, redis: Redis) => ({
        storage: new ThrottlerStorageRedisService(redis),
        throttlers: [
          { name: GENERAL_THROTTLER, ttl: 3_600_000, limit: config.throttle.anonymousPerHour, getTracker: generalTracker },
          { name: LOGIN_THROTTLER, ttl: 60_000, limit: config.throttle.loginPerMinute, getTracker: loginTracker, skipIf: (context) => !isLoginRequest(context) },
        ],
      }),
    }),
  ],
  exports: [ThrottlerModule],
})
export class ThrottlingModule {}
