import { Module, type DynamicModule } from '@nestjs/common';
import { AppConfigModule, PlatformModule, TracingModule } from '@sluice/platform';
import type { DestinationStream } from 'pino';
import { GatewayAuthModule } from './auth/gateway-auth.module';
import { GATEWAY_CONFIG, type GatewayConfig } from './config/gateway.config';
import { HealthModule } from './health/health.module';
import { InferenceModule } from './inference/inference.module';
import { ModelsModule } from './models/models.module';
import { TenantMetricsModule } from './tenant-metrics/tenant-metrics.module';

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
        AppConfigModule.forRoot(GATEWAY_CONFIG, config),
        PlatformModule.forRoot({
          service: 'ai-gateway',
          logLevel: config.logLevel,
          logDestination,
          // Commands issued in the same tick (admission of concurrent requests, a settlement and its usage
          // event) leave in one write: fewer system calls per request under load.
          redis: { ...config.redis, connectionName: 'gateway', overrides: { enableAutoPipelining: true } },
        }),
        TracingModule.forRoot(config.tracing),
        GatewayAuthModule,
        HealthModule,
        TenantMetricsModule,
        ModelsModule,
        InferenceModule.forRoot({
          upstream: {
            credentials: { environment: config.credentialEnvironment, allowed: config.providerCredentialEnvs, devMockUrl: config.upstream.devMockUrl },
            allowedPrivateCidrs: config.upstream.allowedPrivateCidrs,
            connectionsPerOrigin: config.upstream.connectionsPerOrigin,
            connectTimeoutMs: config.upstream.connectTimeoutMs,
            idleTimeoutMs: config.upstream.idleTimeoutMs,
          },
          routing: {
            retry: { maxAttempts: config.routing.maxAttempts },
            breaker: { failureThreshold: config.routing.breakerFailureThreshold, cooldownMs: config.routing.breakerCooldownMs },
          },
        }),
      ],
    };
  }
}
