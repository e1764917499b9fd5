import { Module } from '@nestjs/common';
import { DataAccessModule } from '@sluice/control-plane/data-access';
import { AuthModule } from '../auth/auth.module';
import { SchemaReadyModule } from '../database/schema-ready.module';
import { UsersModule } from '../users/users.module';
import { AdminBootstrap } from './admin-bootstrap';

/** The first platform admin, created on start from the configured credentials. */
@Module({
  imports: [DataAccessModule, AuthModule, SchemaReadyModule, UsersModule],
  providers: [AdminBootstrap],
})
export class BootstrapModule {}
