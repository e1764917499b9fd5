import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { replyWithError } from '@sluice/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { chatCompletionRequest } from '../chat-completions/chat-request';
import { openAiEdge } from '../chat-completions/openai-edge';
import { anthropicEdge } from '../messages/anthropic-edge';
import { messagesRequest } from '../messages/messages-request';
import { InferencePipeline } from './inference-pipeline';
import type { InferenceRequest, ResponseEdge } from './inference-request';

/**
 * `POST /v1/chat/completions` and `POST /v1/messages`, served by Fastify
 * directly rather than through Nest controllers: Nest's per-request machinery
 * (router proxy, execution context, pipes, middleware) cost more CPU than the
 * gateway's whole budget per request (docs/decisions.md). Everything else the
 * app does per request (request id, access log, metrics, drain) is a Fastify
 * hook and applies here too; errors leave through the same function as Nest's
 * exception filter. Call before the app listens.
 */
export function serveInferenceRoutes(app: NestFastifyApplication): void {
  const pipeline = app.get(InferencePipeline);
  const fastify = app.getHttpAdapter().getInstance();
  const serve = (parse: (body: unknown) => InferenceRequest, edge: ResponseEdge) => (request: FastifyRequest, reply: FastifyReply) =>
    pipeline.handle(request, reply, parse, edge).catch((error: unknown) => replyWithError(error, request, reply));
  fastify.post('/v1/chat/completions', serve(chatCompletionRequest, openAiEdge));
  fastify.post('/v1/messages', serve(messagesRequest, anthropicEdge));
}
