import { Module, type DynamicModule } from '@nestjs/common';
import { AppConfigModule, PlatformModule, TracingModule } from '@sluice/platform';
import type { DestinationStream } from 'pino';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from './config/control-plane.config';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { AuditModule } from './audit/audit.module';
import { CatalogModule } from './catalog/catalog.module';
import { DatabaseModule } from './database/database.module';
import { RepositoriesModule } from './database/repositories.module';
import { HealthModule } from './health/health.module';
import { IdentityModule } from './identity.module';
import { ProjectionModule } from './projection/projection.module';
import { CreditsModule } from './credits/credits.module';
import { MeteringModule } from './metering/metering.module';
import { PlansModule } from './plans/plans.module';
import { UsageModule } from './usage/usage.module';
import { BillingModule } from './billing/billing.module';

export interface AppModuleOptions {
  /** Where log lines go (tests capture them); standard output otherwise. */
  logDestination?: DestinationStream;
}

@Module({})
export class AppModule {
  static forRoot(config: ControlPlaneConfig, { logDestination }: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(CONTROL_PLANE_CONFIG, config),
        PlatformModule.forRoot({
          service: 'control-plane',
          logLevel: config.logLevel,
          logDestination,
          redis: { ...config.redis, connectionName: 'control-plane' },
        }),
        TracingModule.forRoot(config.tracing),
        DatabaseModule.forRoot(config),
        RepositoriesModule,
        HealthModule,
        AuditModule,
        IdentityModule,
        ProjectionModule,
        CatalogModule,
        ApiKeysModule,
        PlansModule,
        CreditsModule,
        UsageModule,
        MeteringModule,
        BillingModule,
      ],
    };
  }
}
