import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ErrorCode } from '@sluice/contracts';
import { directRoutesOf, writeError, type DirectHandler, type DirectRequest } from '@sluice/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { ErrorCounts } from '../metering/error-counts';
import { InferencePipeline } from './inference-pipeline';
import type { InferenceExchange, InferenceRequest, ResponseEdge } from './inference-request';

/**
 * Serves `POST path` through the inference pipeline, with the edge's request
 * parser and response shape, on the app's node:http server directly
 * (DirectRoutes, in front of Fastify): Fastify's per-request machinery cost
 * as much CPU as the rest of the gateway's work per request (docs/decisions.md,
 * issue 22). The direct route gives each request what the app's Fastify hooks
 * give every route (request id, security headers, strict JSON body, access
 * log, metrics, tracing, drain); errors leave in the same shape as Nest's
 * exception filter's, and each one is counted by its code for the operator's
 * monitor (error-counts.ts). The pipeline authenticates every request itself.
 *
 * The direct route takes the path as written (and with a trailing slash or
 * a query); Fastify keeps a route for the other spellings its router decodes
 * to the same path (`/%761/messages`), served by the same pipeline. Call
 * before the app listens.
 */
export function serveInferenceRoute(app: NestFastifyApplication, path: string, parse: (body: unknown) => InferenceRequest, edge: ResponseEdge): void {
  const route = new InferenceRoute(app.get(InferencePipeline), app.get(ErrorCounts), parse, edge);
  directRoutesOf(app).post(path, route);
  app
    .getHttpAdapter()
    .getInstance()
    .post(path, (request: FastifyRequest, reply: FastifyReply) => route.handleFastify(request, reply));
}

/** One inference route: the pipeline with its edge, for either kind of request. */
class InferenceRoute implements DirectHandler {
  constructor(
    private readonly pipeline: InferencePipeline,
    private readonly errors: ErrorCounts,
    private readonly parse: (body: unknown) => InferenceRequest,
    private readonly edge: ResponseEdge,
  ) {}

  handle(request: DirectRequest): Promise<void> {
    return this.pipeline.handle(request, this.parse, this.edge);
  }

  failed(code: ErrorCode, request: DirectRequest): void {
    this.errors.count(code, request);
  }

  /** The same on Fastify's route, whose hooks have run: the reply is taken over and written raw, as the direct route's. */
  async handleFastify(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    reply.hijack();
    const exchange = new FastifyExchange(request, reply.raw);
    try {
      await this.pipeline.handle(exchange, this.parse, this.edge);
    } catch (error) {
      this.errors.count(writeError(error, exchange.id, exchange.response), exchange);
    }
  }
}

/** A Fastify request seen as the pipeline's exchange. */
class FastifyExchange implements InferenceExchange {
  constructor(
    private readonly request: FastifyRequest,
    readonly response: ServerResponse,
  ) {}

  get id(): string {
    return this.request.id;
  }

  get headers(): IncomingHttpHeaders {
    return this.request.headers;
  }

  get ip(): string {
    return this.request.ip;
  }

  get body(): unknown {
    return this.request.body;
  }
}
