import { Module } from '@nestjs/common';
import { CatalogBootstrap } from './catalog-bootstrap';
import { ModelsController, RegionsController } from './catalog.controller';
import { CatalogService } from './catalog.service';

/** The model catalog and regions (SPEC 3.7). */
@Module({
  controllers: [ModelsController, RegionsController],
  providers: [CatalogService, CatalogBootstrap],
  exports: [CatalogService],
})
export class CatalogModule {}
