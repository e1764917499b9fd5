import { Module } from '@nestjs/common';
import { DataAccessModule } from '@sluice/control-plane/data-access';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { SchemaReadyModule } from '../database/schema-ready.module';
import { ProjectionModule } from '../projection/projection.module';
import { SecretsModule } from '../secrets/secrets.module';
import { CatalogBootstrap } from './catalog-bootstrap';
import { ModelsController, RegionsController } from './catalog.controller';
import { CatalogService } from './catalog.service';

/** The model catalog and regions, seeded from the checked-in catalog file on start. */
@Module({
  imports: [DataAccessModule, AuthModule, AuditModule, ProjectionModule, SchemaReadyModule, SecretsModule],
  controllers: [ModelsController, RegionsController],
  providers: [CatalogService, CatalogBootstrap],
  exports: [CatalogService, CatalogBootstrap],
})
export class CatalogModule {}
