import { Module, type DynamicModule, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { traceRequests } from './request-tracing';
import { Tracing } from './tracing';
import type { TracingSettings } from './tracing-settings';

/**
 * The app's `Tracing` (injectable anywhere: the gateway's upstream client
 * takes it) and, when it is enabled, a server span per request on the app's
 * Fastify instance. Spans still buffered are exported when the app closes,
 * after the last request has finished.
 */
@Module({})
export class TracingModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly tracing: Tracing,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  static forRoot(settings: TracingSettings): DynamicModule {
    return {
      module: TracingModule,
      global: true,
      providers: [{ provide: Tracing, useFactory: () => Tracing.start(settings) }],
      exports: [Tracing],
    };
  }

  /** Runs before Fastify is ready, when route hooks are still collected: the hooks reach every route, added before or after. */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (fastify) traceRequests(fastify, this.tracing);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.tracing.shutdown();
  }
}
