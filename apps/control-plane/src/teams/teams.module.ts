import { Module } from '@nestjs/common';
import { DataAccessModule } from '@sluice/control-plane/data-access';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { ProjectionModule } from '../projection/projection.module';
import { TeamsController } from './teams.controller';
import { TeamsService } from './teams.service';

/** Teams within a tenant, and their members. */
@Module({
  imports: [DataAccessModule, AuthModule, AuditModule, ProjectionModule],
  controllers: [TeamsController],
  providers: [TeamsService],
})
export class TeamsModule {}
