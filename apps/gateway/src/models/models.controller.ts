import { Controller, Get, Param } from '@nestjs/common';
import type { Caller } from '../auth/caller';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { ModelDirectory } from './model-directory';
import type { ModelListResponse, ModelResponse } from './model-response';

/** The key is checked by GatewayAuthenticationGuard before either handler runs. */
@Controller('v1/models')
export class ModelsController {
  constructor(private readonly directory: ModelDirectory) {}

  @Get()
  list(@CurrentCaller() caller: Caller): Promise<ModelListResponse> {
    return this.directory.list(caller);
  }

  @Get(':id')
  get(@CurrentCaller() caller: Caller, @Param('id') id: string): Promise<ModelResponse> {
    return this.directory.get(caller, id);
  }
}
