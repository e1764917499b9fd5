import type { CatalogRecordV1, ModelRecord } from '@sluice/contracts';
import { RoutingException } from './routing.exception';

/**
 * Finds catalog models by id or alias. Built once per catalog object (see
 * `forCatalog`), so a lookup on the request path is one map read.
 */
export class ModelResolver {
  private static readonly byCatalog = new WeakMap<CatalogRecordV1, ModelResolver>();
  private readonly models = new Map<string, ModelRecord>();

  constructor(catalog: CatalogRecordV1) {
    // Ids first, so an alias can never shadow another model's id.
    for (const model of catalog.models) if (model.enabled) this.models.set(model.id, model);
    for (const model of catalog.models) {
      if (!model.enabled) continue;
      for (const alias of model.aliases) if (!this.models.has(alias)) this.models.set(alias, model);
    }
  }

  /** The resolver of this catalog object, built on first use. */
  static forCatalog(catalog: CatalogRecordV1): ModelResolver {
    let resolver = ModelResolver.byCatalog.get(catalog);
    if (resolver === undefined) {
      resolver = new ModelResolver(catalog);
      ModelResolver.byCatalog.set(catalog, resolver);
    }
    return resolver;
  }

  /** The enabled model with this id or alias, or undefined. */
  find(idOrAlias: string): ModelRecord | undefined {
    return this.models.get(idOrAlias);
  }

  /** The enabled model with this id or alias; a disabled or unknown one is a 404 `model_not_found`. */
  resolve(idOrAlias: string): ModelRecord {
    const model = this.models.get(idOrAlias);
    if (model === undefined) {
      throw new RoutingException('model_not_found', `The model '${idOrAlias}' does not exist`, {}, 'model');
    }
    return model;
  }
}
