import { Global, Module, type Provider } from '@nestjs/common';
import {
  AuditRepository,
  MembershipsRepository,
  PersonalTokensRepository,
  SessionsRepository,
  TeamsRepository,
  TenantsRepository,
  UnitOfWork,
  UsersRepository,
} from '@sluice/control-plane/data-access';
import { DataSource } from 'typeorm';
import { SchemaReady } from './schema-ready';

type RepositoryClass = new (dataSource: DataSource) => object;

const REPOSITORIES: RepositoryClass[] = [
  UnitOfWork,
  AuditRepository,
  UsersRepository,
  TenantsRepository,
  MembershipsRepository,
  TeamsRepository,
  SessionsRepository,
  PersonalTokensRepository,
];

const providers: Provider[] = REPOSITORIES.map((Repository) => ({
  provide: Repository,
  inject: [DataSource],
  useFactory: (dataSource: DataSource) => new Repository(dataSource),
}));

/** The data-access lib's repositories, each built on the app's one DataSource, and the schema gate. */
@Global()
@Module({ providers: [...providers, SchemaReady], exports: [...providers, SchemaReady] })
export class RepositoriesModule {}
