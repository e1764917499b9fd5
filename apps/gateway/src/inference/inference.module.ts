import { Module, type DynamicModule } from '@nestjs/common';
import { AdmissionGate } from '../admission/admission-gate';
import { CatalogModule } from '../catalog/catalog.module';
import { GatewayAuthModule } from '../auth/gateway-auth.module';
import { MeteringModule } from '../metering/metering.module';
import { ProjectionModule } from '../projection/projection.module';
import { RoutingModule, type RoutingModuleOptions } from '../routing/routing.module';
import { UpstreamModule, type UpstreamModuleOptions } from '../upstream/upstream.module';
import { Forwarder } from './forward';
import { InferencePipeline } from './inference-pipeline';
import { SettleAndMeter } from './settle-and-meter';

export interface InferenceModuleOptions {
  upstream: UpstreamModuleOptions;
  routing: RoutingModuleOptions;
}

/**
 * The inference pipeline and what it needs, one of each per process. The
 * edges (chat-completions/, messages/) register their routes on it.
 */
@Module({})
export class InferenceModule {
  static forRoot({ upstream, routing }: InferenceModuleOptions): DynamicModule {
    return {
      module: InferenceModule,
      imports: [ProjectionModule, CatalogModule, GatewayAuthModule, MeteringModule, UpstreamModule.forRoot(upstream), RoutingModule.forRoot(routing)],
      providers: [AdmissionGate, Forwarder, SettleAndMeter, InferencePipeline],
    };
  }
}
