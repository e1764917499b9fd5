import { Injectable } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { Authenticator } from '../auth/authenticator';
import { mayUseModel } from '../auth/model-access';
import { CatalogModels } from '../inference/catalog-models';
import { RoutingException } from '../routing/routing.exception';
import { toModelResponse, type ModelListResponse, type ModelResponse } from './model-response';

/**
 * The models a key may use, in OpenAI's list shape. A model the key may not
 * use is answered like one that does not exist (no catalog leak).
 */
@Injectable()
export class ModelDirectory {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly catalog: CatalogModels,
  ) {}

  async list(headers: IncomingHttpHeaders, clientIp: string): Promise<ModelListResponse> {
    const caller = await this.authenticator.authenticate(headers, clientIp);
    const models = await this.catalog.enabledModels();
    return { object: 'list', data: models.filter((model) => mayUseModel(caller, model)).map(toModelResponse) };
  }

  async get(headers: IncomingHttpHeaders, clientIp: string, idOrAlias: string): Promise<ModelResponse> {
    const caller = await this.authenticator.authenticate(headers, clientIp);
    const model = (await this.catalog.resolver()).find(idOrAlias);
    if (model === undefined || !mayUseModel(caller, model)) {
      throw new RoutingException('model_not_found', `The model '${idOrAlias}' does not exist`, {}, 'model');
    }
    return toModelResponse(model);
  }
}
