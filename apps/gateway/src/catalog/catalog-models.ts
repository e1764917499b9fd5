import { Injectable } from '@nestjs/common';
import type { CatalogRecordV1, ModelRecord } from '@sluice/contracts';
import { ProjectionReader } from '@sluice/gateway/redis-state';
import { readProjection } from '../projection/state-unavailable';
import { ModelResolver } from '../routing/model-resolver';

/** Before the control plane has written a catalog, there is simply no model. */
const EMPTY_CATALOG: CatalogRecordV1 = Object.freeze({ v: 1, revision: 'none', models: [] });

/** The catalog as the projection has it, with the per-catalog resolver that routing uses. */
@Injectable()
export class CatalogModels {
  constructor(private readonly projection: ProjectionReader) {}

  async catalog(): Promise<CatalogRecordV1> {
    return (await readProjection(() => this.projection.getCatalog())) ?? EMPTY_CATALOG;
  }

  async resolver(): Promise<ModelResolver> {
    return ModelResolver.forCatalog(await this.catalog());
  }

  /** Enabled models, each once (aliases are not listed as models of their own). */
  async enabledModels(): Promise<ModelRecord[]> {
    return (await this.catalog()).models.filter((model) => model.enabled);
  }
}
