import { Module } from '@nestjs/common';
import { DataAccessModule } from '@sluice/control-plane/data-access';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { ProjectionModule } from '../projection/projection.module';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

/** Platform users; exports account creation and changes for memberships, sign-up and the admin bootstrap. */
@Module({
  imports: [DataAccessModule, AuthModule, AuditModule, ProjectionModule, ApiKeysModule],
  controllers: [UsersController],
  providers: [UsersService],
  exports: [UsersService],
})
export class UsersModule {}
