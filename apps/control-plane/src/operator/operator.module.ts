import { Module } from '@nestjs/common';
import { DataAccessModule } from '@sluice/control-plane/data-access';
import { DataSource } from 'typeorm';
import { AuthModule } from '../auth/auth.module';
import { CatalogModule } from '../catalog/catalog.module';
import { AdminController, ModelOperatorController } from './operator.controller';
import { OperatorRepository } from './operator.repository';
import { OperatorService } from './operator.service';

/** Platform admins' endpoints over the running system: catalog refresh, cache status, monitor, balances, providers. */
@Module({
  imports: [DataAccessModule, AuthModule, CatalogModule],
  controllers: [AdminController, ModelOperatorController],
  providers: [{ provide: OperatorRepository, inject: [DataSource], useFactory: (dataSource: DataSource) => new OperatorRepository(dataSource) }, OperatorService],
})
export class OperatorModule {}
