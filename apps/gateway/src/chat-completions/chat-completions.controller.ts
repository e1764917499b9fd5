import { Controller, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InferencePipeline } from '../inference/inference-pipeline';
import { chatCompletionRequest } from './chat-request';
import { openAiEdge } from './openai-edge';

@Controller('v1/chat/completions')
export class ChatCompletionsController {
  constructor(private readonly pipeline: InferencePipeline) {}

  /** The reply is written by the pipeline (a stream cannot go through Nest's serialiser). */
  @Post()
  async create(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.pipeline.handle(req, reply, chatCompletionRequest, openAiEdge);
  }
}
