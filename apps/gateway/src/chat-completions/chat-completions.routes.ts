import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { serveInferenceRoute } from '../inference/inference-routes';
import { chatCompletionRequest } from './chat-request';
import { openAiEdge } from './openai-edge';

/** `POST /v1/chat/completions`: the OpenAI-shaped edge of the inference pipeline. */
export function serveChatCompletions(app: NestFastifyApplication): void {
  serveInferenceRoute(app, '/v1/chat/completions', chatCompletionRequest, openAiEdge);
}
