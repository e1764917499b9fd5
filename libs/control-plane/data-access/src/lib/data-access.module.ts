import { Module, type Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ApiKeysRepository } from './api-keys/api-keys.repository';
import { AuditRepository } from './audit/audit.repository';
import { BillingRepository } from './billing/billing.repository';
import { CreditsRepository } from './billing/credits.repository';
import { PlansRepository } from './billing/plans.repository';
import { StatementsRepository } from './billing/statements.repository';
import { ModelsRepository } from './catalog/models.repository';
import { RegionsRepository } from './catalog/regions.repository';
import { InvitationsRepository } from './identity/invitations.repository';
import { MembershipsRepository } from './identity/memberships.repository';
import { PersonalTokensRepository } from './identity/personal-tokens.repository';
import { SessionsRepository } from './identity/sessions.repository';
import { TeamsRepository } from './identity/teams.repository';
import { TenantsRepository } from './identity/tenants.repository';
import { UsersRepository } from './identity/users.repository';
import { UsageLedgerRepository } from './metering/usage-ledger.repository';
import { UsagePartitionsRepository } from './metering/usage-partitions.repository';
import { ProjectionOutboxRepository } from './projection/projection-outbox.repository';
import { ProjectionSourcesRepository } from './projection/projection-sources.repository';
import { UnitOfWork } from './unit-of-work';

type RepositoryClass = new (dataSource: DataSource) => object;

/** Every repository of this lib, and the unit of work; a new repository is added here once. */
export const DATA_ACCESS_CLASSES: readonly RepositoryClass[] = [
  UnitOfWork,
  AuditRepository,
  UsersRepository,
  TenantsRepository,
  MembershipsRepository,
  InvitationsRepository,
  TeamsRepository,
  SessionsRepository,
  PersonalTokensRepository,
  ApiKeysRepository,
  ModelsRepository,
  RegionsRepository,
  ProjectionOutboxRepository,
  ProjectionSourcesRepository,
  PlansRepository,
  CreditsRepository,
  BillingRepository,
  StatementsRepository,
  UsageLedgerRepository,
  UsagePartitionsRepository,
];

const providers: Provider[] = DATA_ACCESS_CLASSES.map((Repository) => ({
  provide: Repository,
  inject: [DataSource],
  useFactory: (dataSource: DataSource) => new Repository(dataSource),
}));

/**
 * The repositories and the unit of work, each built once on the app's one
 * `DataSource` (which the app provides, e.g. with `TypeOrmModule.forRoot`).
 * Not global: a feature module that reads or writes the database imports it.
 */
@Module({ providers, exports: providers })
export class DataAccessModule {}
