import { Controller, Get, Param, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ModelDirectory } from './model-directory';
import type { ModelListResponse, ModelResponse } from './model-response';

@Controller('v1/models')
export class ModelsController {
  constructor(private readonly directory: ModelDirectory) {}

  @Get()
  list(@Req() req: FastifyRequest): Promise<ModelListResponse> {
    return this.directory.list(req.headers, req.ip);
  }

  @Get(':id')
  get(@Req() req: FastifyRequest, @Param('id') id: string): Promise<ModelResponse> {
    return this.directory.get(req.headers, req.ip, id);
  }
}
