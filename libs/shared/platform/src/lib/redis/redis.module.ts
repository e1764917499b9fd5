import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { closeRedisClient, createRedisClient, type RedisClientOptions } from './redis-client';
import { TerminusModule } from '@nestjs/terminus';
import { RedisHealthIndicator } from './redis.health';
import { REDIS } from './redis.token';

@Module({})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  static forRoot(options: RedisClientOptions): DynamicModule {
    return {
      module: RedisModule,
      global: true,
      imports: [TerminusModule],
      providers: [{ provide: REDIS, useFactory: () => createRedisClient(options) }, RedisHealthIndicator],
      exports: [REDIS, RedisHealthIndicator],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await closeRedisClient(this.redis);
  }
}
