import { Injectable } from '@nestjs/common';
import type { Caller } from '../auth/caller';
import { mayUseModel } from '../auth/model-access';
import { CatalogModels } from '../catalog/catalog-models';
import { RoutingException } from '../routing/routing.exception';
import { toModelResponse, type ModelListResponse, type ModelResponse } from './model-response';

/**
 * The models a key may use, in OpenAI's list shape. A model the key may not
 * use is answered like one that does not exist (no catalog leak).
 */
@Injectable()
export class ModelDirectory {
  constructor(private readonly catalog: CatalogModels) {}

  async list(caller: Caller): Promise<ModelListResponse> {
    const models = await this.catalog.enabledModels();
    return { object: 'list', data: models.filter((model) => mayUseModel(caller, model)).map(toModelResponse) };
  }

  async get(caller: Caller, idOrAlias: string): Promise<ModelResponse> {
    const model = (await this.catalog.resolver()).find(idOrAlias);
    if (model === undefined || !mayUseModel(caller, model)) {
      throw new RoutingException('model_not_found', `The model '${idOrAlias}' does not exist`, {}, 'model');
    }
    return toModelResponse(model);
  }
}
