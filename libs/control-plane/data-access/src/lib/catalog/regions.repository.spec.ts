import { openTestDatabase, unique, type TestDatabase } from '../../../test/fixtures';
import { RegionsRepository } from './regions.repository';

/** Regions are platform-wide: no tenant id, nothing tenant-owned. */
describe('RegionsRepository', () => {
  let db: TestDatabase;
  let regions: RegionsRepository;

  beforeAll(async () => {
    db = await openTestDatabase();
    regions = new RegionsRepository(db.dataSource);
  });

  afterAll(() => db?.close());

  it('inserts a region, replaces it on a second upsert of its slug, lists by slug and deletes one only', async () => {
    const stem = unique();
    const [east, west] = [`${stem}-us-east`, `${stem}-us-west`];
    const created = await db.unitOfWork.run((tx) => regions.upsert(tx, { id: east, name: 'US East', description: '', is_active: true }));
    await db.unitOfWork.run((tx) => regions.upsert(tx, { id: west, name: 'US West', description: '', is_active: true }));
    const replaced = await db.unitOfWork.run((tx) => regions.upsert(tx, { id: east, name: 'US East 1', description: 'Virginia', is_active: false }));
    expect(replaced).toEqual(expect.objectContaining({ id: east, name: 'US East 1', description: 'Virginia', is_active: false, created_at: created.created_at }));
    expect((await regions.all()).map((row) => row.id).filter((id) => id.startsWith(stem))).toEqual([east, west]);
    await db.unitOfWork.run((tx) => regions.delete(tx, east));
    expect(await regions.findById(east)).toBeNull();
    expect((await regions.findById(west))?.name).toBe('US West');
  });
});
