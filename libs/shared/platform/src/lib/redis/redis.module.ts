import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { MetricsRegistry } from '../metrics/metrics';
import { registerRedisUpGauge } from '../metrics/redis-up';
import { closeRedisClient, createRedisClient, type RedisClientOptions } from './redis-client';
import { TerminusModule } from '@nestjs/terminus';
import { RedisHealthIndicator } from './redis.health';
import { REDIS } from './redis.token';

const REDIS_UP_GAUGE = Symbol('REDIS_UP_GAUGE');

@Module({})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  static forRoot(options: RedisClientOptions): DynamicModule {
    return {
      module: RedisModule,
      global: true,
      imports: [TerminusModule],
      providers: [
        { provide: REDIS, useFactory: () => createRedisClient(options) },
        RedisHealthIndicator,
        // The app's MetricsModule is global (PlatformModule imports both).
        { provide: REDIS_UP_GAUGE, inject: [MetricsRegistry, REDIS], useFactory: registerRedisUpGauge },
      ],
      exports: [REDIS, RedisHealthIndicator],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await closeRedisClient(this.redis);
  }
}
