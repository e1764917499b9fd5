import { Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { openTestDatabase, type TestDatabase } from '../../test/fixtures';
import { DATA_ACCESS_CLASSES, DataAccessModule } from './data-access.module';
import { TenantsRepository } from './identity/tenants.repository';
import { UnitOfWork } from './unit-of-work';

describe('DataAccessModule', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await openTestDatabase();
  });

  afterAll(() => db.close());

  /** Stands in for `TypeOrmModule.forRoot`, which provides the app's one DataSource globally. */
  function dataSourceModule() {
    @Global()
    @Module({ providers: [{ provide: DataSource, useValue: db.dataSource }], exports: [DataSource] })
    class TestDataSourceModule {}
    return TestDataSourceModule;
  }

  it('provides every repository and the unit of work, once, to every module that imports it', async () => {
    @Module({ imports: [DataAccessModule] })
    class FeatureA {}
    @Module({ imports: [DataAccessModule] })
    class FeatureB {}
    const moduleRef = await Test.createTestingModule({ imports: [dataSourceModule(), FeatureA, FeatureB] }).compile();
    for (const Repository of DATA_ACCESS_CLASSES) {
      expect(moduleRef.select(FeatureA).get(Repository, { strict: false })).toBe(moduleRef.select(FeatureB).get(Repository, { strict: false }));
    }
    expect(await moduleRef.get(TenantsRepository).findById('00000000-0000-4000-8000-000000000000')).toBeNull();
    expect(await moduleRef.get(UnitOfWork).run(async () => 'ran')).toBe('ran');
    await moduleRef.close();
  });

  it('lists each repository the lib exports', async () => {
    const lib = await import('../index');
    const exported = Object.entries(lib).filter(([name]) => name.endsWith('Repository') || name === 'UnitOfWork').map(([, value]) => value);
    expect(new Set(DATA_ACCESS_CLASSES)).toEqual(new Set(exported));
  });
});
