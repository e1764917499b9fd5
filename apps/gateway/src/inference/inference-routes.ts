import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { replyWithError } from '@sluice/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCounts } from '../metering/error-counts';
import { InferencePipeline } from './inference-pipeline';
import type { InferenceRequest, ResponseEdge } from './inference-request';

/**
 * Serves `POST path` through the inference pipeline, with the edge's request
 * parser and response shape. Inference routes are served by Fastify directly
 * rather than through Nest controllers: Nest's per-request machinery (router
 * proxy, execution context, pipes, middleware) cost more CPU than the
 * gateway's whole budget per request (docs/decisions.md). Everything else the
 * app does per request (request id, access log, metrics, drain) is a Fastify
 * hook and applies here too; errors leave through the same function as Nest's
 * exception filter, and there each one is counted by its code for the
 * operator's monitor (error-counts.ts). The pipeline authenticates every
 * request itself. Call before the app listens.
 */
export function serveInferenceRoute(app: NestFastifyApplication, path: string, parse: (body: unknown) => InferenceRequest, edge: ResponseEdge): void {
  const pipeline = app.get(InferencePipeline);
  const errors = app.get(ErrorCounts);
  const fail = (error: unknown, request: FastifyRequest, reply: FastifyReply) => errors.count(replyWithError(error, request, reply), request);
  app
    .getHttpAdapter()
    .getInstance()
    .post(path, (request: FastifyRequest, reply: FastifyReply) => pipeline.handle(request, reply, parse, edge).catch((error: unknown) => fail(error, request, reply)));
}
