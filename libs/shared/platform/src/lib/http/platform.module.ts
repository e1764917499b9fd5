import { Module, type DynamicModule } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import type { LogLevel } from '../config/common-env-rules';
import { ACCESS_LOGGER } from '../logging/access-log';
import { bufferedDestination, createLogger, loggingModule } from '../logging/logging';
import { createMetricsRegistry, MetricsModule } from '../metrics/metrics';
import { RedisModule } from '../redis/redis.module';
import type { RedisClientOptions } from '../redis/redis-client';

export interface PlatformOptions {
  service: string;
  logLevel: LogLevel;
  /** Captures log lines (tests); standard output otherwise. */
  logDestination?: DestinationStream;
  redis: RedisClientOptions;
}

/** Logging, metrics and the Redis connection: what every Sluice app imports first. */
@Module({})
export class PlatformModule {
  static forRoot({ service, logLevel, logDestination, redis }: PlatformOptions): DynamicModule {
    const destination = logDestination ?? bufferedDestination();
    const logger = createLogger({ service, level: logLevel, destination });
    const accessLogger = createLogger({ service, level: logLevel, destination, redact: false });
    return {
      module: PlatformModule,
      imports: [loggingModule(logger), MetricsModule.forRoot(createMetricsRegistry(service)), RedisModule.forRoot(redis)],
      providers: [{ provide: ACCESS_LOGGER, useValue: accessLogger }],
      exports: [MetricsModule, RedisModule, ACCESS_LOGGER],
    };
  }
}
