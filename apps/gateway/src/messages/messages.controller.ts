import { Controller, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InferencePipeline } from '../inference/inference-pipeline';
import { anthropicEdge } from './anthropic-edge';
import { messagesRequest } from './messages-request';

@Controller('v1/messages')
export class MessagesController {
  constructor(private readonly pipeline: InferencePipeline) {}

  /** The reply is written by the pipeline (a stream cannot go through Nest's serialiser). */
  @Post()
  async create(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.pipeline.handle(req, reply, messagesRequest, anthropicEdge);
  }
}
