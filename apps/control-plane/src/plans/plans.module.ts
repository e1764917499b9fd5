import { Global, Module, type Provider } from '@nestjs/common';
import { CreditsRepository, PlansRepository, UsageLedgerRepository } from '@sluice/control-plane/data-access';
import { DataSource } from 'typeorm';
import { TenancyModule } from '../tenancy/tenancy.module';
import { PlansController, TenantPlanController } from './plans.controller';
import { PlansService } from './plans.service';
import { TenantQuotaSource } from './tenant-quota-source';

type RepositoryClass = new (dataSource: DataSource) => object;

/** Billing's repositories: plans, credits and the usage ledger, shared by metering, credits, usage and tenants. */
const REPOSITORIES: RepositoryClass[] = [PlansRepository, CreditsRepository, UsageLedgerRepository];

const repositoryProviders: Provider[] = REPOSITORIES.map((Repository) => ({
  provide: Repository,
  inject: [DataSource],
  useFactory: (dataSource: DataSource) => new Repository(dataSource),
}));

/** Plans (SPEC 3.6); global so that the tenant services can render quotas from plans and metered usage. */
@Global()
@Module({
  imports: [TenancyModule],
  controllers: [PlansController, TenantPlanController],
  providers: [...repositoryProviders, TenantQuotaSource, PlansService],
  exports: [...repositoryProviders, TenantQuotaSource],
})
export class PlansModule {}
