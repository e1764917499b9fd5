import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule } from '@sluice/platform';
import type { DestinationStream } from 'pino';
import { ConfigModule } from './config/config.module';
import type { GatewayConfig } from './config/gateway.config';
import { HealthModule } from './health/health.module';

export interface AppModuleOptions {
  /** Where log lines go (tests capture them); standard output otherwise. */
  logDestination?: DestinationStream;
}

@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig, { logDestination }: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        PlatformModule.forRoot({
          service: 'ai-gateway',
          logLevel: config.logLevel,
          logDestination,
          redis: { ...config.redis, connectionName: 'gateway' },
        }),
        HealthModule,
      ],
    };
  }
}
