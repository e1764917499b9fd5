import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import { ModelDirectory } from './model-directory';
import { ModelsController } from './models.controller';

/** `GET /v1/models` and `GET /v1/models/{id}`: the catalog as the calling key may see it. */
@Module({
  imports: [CatalogModule],
  controllers: [ModelsController],
  providers: [ModelDirectory],
})
export class ModelsModule {}
