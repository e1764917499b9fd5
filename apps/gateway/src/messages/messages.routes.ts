import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { serveInferenceRoute } from '../inference/inference-routes';
import { anthropicEdge } from './anthropic-edge';
import { messagesRequest } from './messages-request';

/** `POST /v1/messages`: the Anthropic-shaped edge of the inference pipeline. */
export function serveMessages(app: NestFastifyApplication): void {
  serveInferenceRoute(app, '/v1/messages', messagesRequest, anthropicEdge);
}
