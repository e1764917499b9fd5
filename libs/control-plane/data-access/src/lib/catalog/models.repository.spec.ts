import { openTestDatabase, unique, type TestDatabase } from '../../../test/fixtures';
import { ModelsRepository, type ModelFields } from './models.repository';

/** The model catalog is platform-wide: no tenant id, nothing tenant-owned. */
describe('ModelsRepository', () => {
  let db: TestDatabase;
  let models: ModelsRepository;

  beforeAll(async () => {
    db = await openTestDatabase();
    models = new ModelsRepository(db.dataSource);
  });

  afterAll(() => db?.close());

  const model = (overrides: Partial<ModelFields> = {}): ModelFields => ({
    id: `model-${unique()}`,
    aliases: ['alias'],
    provider: 'mock',
    deployments: [{ provider: 'mock', base_url: 'http://127.0.0.1:1', upstream_model: 'm', credential_env: null, weight: 1, region: null, timeout_ms: 1_000 }],
    fallbacks: [],
    pricing: { input_per_mtok_usd: 1.5, output_per_mtok_usd: 2 },
    context_window: 8_192,
    max_output_tokens: 1_024,
    capabilities: ['chat'],
    sandbox: false,
    enabled: true,
    ...overrides,
  });

  it('inserts a model, then replaces every field on a second upsert of its id', async () => {
    const first = await db.unitOfWork.run((tx) => models.upsert(tx, model()));
    expect(first).toEqual(expect.objectContaining({ provider: 'mock', pricing: { input_per_mtok_usd: 1.5, output_per_mtok_usd: 2 }, aliases: ['alias'] }));
    const replaced = await db.unitOfWork.run((tx) =>
      models.upsert(tx, model({ id: first.id, aliases: [], enabled: false, deployments: [], pricing: { input_per_mtok_usd: 0, output_per_mtok_usd: 0 } })),
    );
    expect(replaced).toEqual(expect.objectContaining({ id: first.id, aliases: [], enabled: false, deployments: [], created_at: first.created_at }));
    expect((await models.all()).filter((row) => row.id === first.id)).toHaveLength(1);
  });

  it('lists by id and deletes one model only', async () => {
    const stem = `model-${unique()}`;
    const b = await db.unitOfWork.run((tx) => models.upsert(tx, model({ id: `${stem}-b` })));
    const a = await db.unitOfWork.run((tx) => models.upsert(tx, model({ id: `${stem}-a` })));
    expect((await models.all()).map((row) => row.id).filter((id) => id.startsWith(stem))).toEqual([a.id, b.id]);
    await db.unitOfWork.run((tx) => models.delete(tx, a.id));
    expect(await models.findById(a.id)).toBeNull();
    expect(await models.findById(b.id)).toEqual(b);
  });

  it('serialises catalog edits on one lock', async () => {
    // Held by one transaction, the lock is refused to another that will not wait.
    await db.unitOfWork.run(async (tx) => {
      await models.lockCatalog(tx);
      const [{ free }] = await db.dataSource.query(`SELECT pg_try_advisory_xact_lock(hashtext('sluice.models')) AS free`);
      expect(free).toBe(false);
    });
    const [{ free }] = await db.dataSource.query(`SELECT pg_try_advisory_xact_lock(hashtext('sluice.models')) AS free`);
    expect(free).toBe(true);
  });
});
