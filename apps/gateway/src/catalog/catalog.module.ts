import { Module } from '@nestjs/common';
import { ProjectionModule } from '../projection/projection.module';
import { CatalogModels } from './catalog-models';

/** The model catalog as the projection has it, shared by the inference pipeline and `/v1/models`. */
@Module({
  imports: [ProjectionModule],
  providers: [CatalogModels],
  exports: [CatalogModels],
})
export class CatalogModule {}
