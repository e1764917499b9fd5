import { Module, type DynamicModule } from '@nestjs/common';
import { AppConfigModule, PlatformModule, TracingModule } from '@sluice/platform';
import type { DestinationStream } from 'pino';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from './config/control-plane.config';
import { AccountModule } from './account/account.module';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { BootstrapModule } from './bootstrap/bootstrap.module';
import { CatalogModule } from './catalog/catalog.module';
import { CreditsModule } from './credits/credits.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { MembershipsModule } from './memberships/memberships.module';
import { MeteringModule } from './metering/metering.module';
import { OperatorModule } from './operator/operator.module';
import { PlansModule } from './plans/plans.module';
import { PrivateAiKeysModule } from './private-ai-keys/private-ai-keys.module';
import { ProjectionModule } from './projection/projection.module';
import { RequestContextModule } from './request-context/request-context.module';
import { TeamsModule } from './teams/teams.module';
import { TenantsModule } from './tenants/tenants.module';
import { UsageModule } from './usage/usage.module';
import { LimitsModule } from './limits/limits.module';
import { BillingModule } from './billing/billing.module';
import { IntegrationsModule } from './integrations/integrations.module';
import { UsersModule } from './users/users.module';
import { WebhooksModule } from './webhooks/webhooks.module';

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
        HealthModule,
        // The floor first: its guards run on every route, in the order they are declared there.
        AuthModule,
        RequestContextModule,
        AuditModule,
        ProjectionModule,
        AccountModule,
        BootstrapModule,
        TenantsModule,
        UsersModule,
        MembershipsModule,
        TeamsModule,
        CatalogModule,
        ApiKeysModule,
        PlansModule,
        CreditsModule,
        UsageModule,
        LimitsModule,
        MeteringModule,
        BillingModule,
        IntegrationsModule,
        WebhooksModule,
        PrivateAiKeysModule,
        OperatorModule,
      ],
    };
  }
}
