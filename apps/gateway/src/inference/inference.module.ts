import { Module, type DynamicModule } from '@nestjs/common';
import { AdmissionGate } from '../admission/admission-gate';
import { GatewayAuthModule } from '../auth/gateway-auth.module';
import { MeteringModule } from '../metering/metering.module';
import { ModelDirectory } from '../models/model-directory';
import { ModelsController } from '../models/models.controller';
import { ProjectionModule } from '../projection/projection.module';
import { RoutingModule, type RoutingModuleOptions } from '../routing/routing.module';
import { UpstreamModule, type UpstreamModuleOptions } from '../upstream/upstream.module';
import { CatalogModels } from './catalog-models';
import { Forwarder } from './forward';
import { InferencePipeline } from './inference-pipeline';
import { SettleAndMeter } from './settle-and-meter';

export interface InferenceModuleOptions {
  upstream: UpstreamModuleOptions;
  routing: RoutingModuleOptions;
}

/** The `/v1` API: the hot path and what it needs, one of each per process. */
@Module({})
export class InferenceModule {
  static forRoot({ upstream, routing }: InferenceModuleOptions): DynamicModule {
    return {
      module: InferenceModule,
      imports: [ProjectionModule, GatewayAuthModule, MeteringModule, UpstreamModule.forRoot(upstream), RoutingModule.forRoot(routing)],
      // POST /v1/chat/completions and /v1/messages are Fastify routes: see inference-routes.ts.
      controllers: [ModelsController],
      providers: [AdmissionGate, CatalogModels, Forwarder, SettleAndMeter, InferencePipeline, ModelDirectory],
    };
  }
}
