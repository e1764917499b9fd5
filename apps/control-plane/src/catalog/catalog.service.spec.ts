import { Test } from '@nestjs/testing';
import type { ModelDeployment, UserRow } from '@sluice/control-plane/data-access';
import { randomBytes } from 'node:crypto';
import { CONTROL_PLANE_CONFIG, loadControlPlaneConfig } from '../config/control-plane.config';
import { SecretBox } from '../secrets/secret-box';
import { fakeSeams, FakeDatabase, userPrincipal } from '../testing/fakes';
import { CatalogService } from './catalog.service';
import type { CreateModelDto } from './dto/catalog.dto';

const DEPLOYMENT: ModelDeployment = {
  provider: 'mock',
  base_url: 'http://mock.test',
  upstream_model: 'm',
  credential_env: null,
  weight: 1,
  region: null,
  timeout_ms: 60_000,
};

function modelDto(id: string, fields: Partial<CreateModelDto> = {}): CreateModelDto {
  return {
    id,
    provider: 'mock',
    deployments: [{ provider: 'mock', base_url: 'http://mock.test', upstream_model: id }],
    pricing: { input_per_mtok_usd: 1, output_per_mtok_usd: 2 },
    context_window: 8192,
    max_output_tokens: 1024,
    ...fields,
  };
}

describe('CatalogService', () => {
  let db: FakeDatabase;
  let service: CatalogService;
  let platformAdmin: UserRow;
  let user: UserRow;

  beforeEach(async () => {
    db = new FakeDatabase();
    const moduleRef = await Test.createTestingModule({
      providers: [CatalogService, ...fakeSeams(db), { provide: SecretBox, useValue: new SecretBox(randomBytes(32)) }, { provide: CONTROL_PLANE_CONFIG, useValue: loadControlPlaneConfig({ NODE_ENV: 'test' }) }],
    }).compile();
    service = moduleRef.get(CatalogService);
    platformAdmin = db.user({ is_platform_admin: true });
    user = db.member(db.tenant(), 'owner').user;
    db.region('eu-west');
    db.model({ id: 'gpt-4o', aliases: ['gpt4'], deployments: [{ ...DEPLOYMENT, region: 'eu-west' }] });
    db.model({ id: 'gpt-4o-mini', fallbacks: ['gpt-4o'] });
  });

  const as = (someone: UserRow) => userPrincipal(someone);

  it('leaves every change to platform admins', async () => {
    await expect(service.createModel(as(user), modelDto('new'))).rejects.toMatchObject({ code: 'forbidden' });
    await expect(service.updateModel(as(user), 'gpt-4o', { enabled: false })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(service.deleteModel(as(user), 'gpt-4o-mini')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(service.createRegion(as(user), { id: 'us-east', name: 'US East' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(service.updateRegion(as(user), 'eu-west', { name: 'x' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(service.deleteRegion(as(user), 'eu-west')).rejects.toMatchObject({ code: 'forbidden' });
    expect(db.audit).toHaveLength(0);
  });

  describe('models', () => {
    it('adds a model under the catalog lock, audited on the platform chain, projected after the commit', async () => {
      await service.createModel(as(platformAdmin), modelDto('claude', { fallbacks: ['gpt-4o'] }));
      expect(db.tables.models.get('claude')).toMatchObject({ fallbacks: ['gpt-4o'], enabled: true, sandbox: false });
      expect(db.catalogLocks).toBe(1);
      expect(db.audit).toEqual([expect.objectContaining({ tenantId: null, eventType: 'model.created', resourceId: 'claude' })]);
      expect(db.projected).toEqual([{ kind: 'catalog' }]);
    });

    it('refuses an id in use (409)', async () => {
      await expect(service.createModel(as(platformAdmin), modelDto('gpt-4o'))).rejects.toMatchObject({ code: 'conflict', param: 'id' });
    });

    it('checks the model against the whole catalog and writes nothing when it does not fit', async () => {
      await expect(
        service.createModel(
          as(platformAdmin),
          modelDto('new', {
            aliases: ['gpt4'],
            fallbacks: ['missing'],
            deployments: [{ provider: 'mock', base_url: 'http://mock.test', upstream_model: 'x', region: 'mars' }],
          }),
        ),
      ).rejects.toMatchObject({
        code: 'validation_error',
        details: {
          aliases: ['gpt4 already names gpt-4o'],
          fallbacks: ['missing is not a model in the catalog'],
          'deployments.0.region': ['mars is not a known region'],
        },
      });
      expect(db.tables.models.has('new')).toBe(false);
      expect(db.projected).toEqual([]);
    });

    it('refuses a change that would close a fallback cycle', async () => {
      await expect(service.updateModel(as(platformAdmin), 'gpt-4o', { fallbacks: ['gpt-4o-mini'] })).rejects.toMatchObject({
        code: 'validation_error',
        param: 'fallbacks',
      });
      expect(db.tables.models.get('gpt-4o')?.fallbacks).toEqual([]);
    });

    it('updates a model named by an alias, keeping the fields the change leaves out', async () => {
      const updated = await service.updateModel(as(platformAdmin), 'gpt4', { enabled: false });
      expect(updated).toMatchObject({ id: 'gpt-4o', enabled: false, aliases: ['gpt4'] });
      expect(db.tables.models.get('gpt-4o')?.deployments).toEqual([{ ...DEPLOYMENT, region: 'eu-west' }]);
    });

    it('never deletes a model another falls back to', async () => {
      await expect(service.deleteModel(as(platformAdmin), 'gpt-4o')).rejects.toMatchObject({ code: 'conflict', details: { fallback_of: ['gpt-4o-mini'] } });
      await service.deleteModel(as(platformAdmin), 'gpt-4o-mini');
      await service.deleteModel(as(platformAdmin), 'gpt4');
      expect(db.tables.models.size).toBe(0);
      await expect(service.deleteModel(as(platformAdmin), 'gpt-4o')).rejects.toMatchObject({ code: 'not_found' });
    });
  });

  describe('regions', () => {
    it('adds a region, active unless told otherwise, and refuses an id in use (409)', async () => {
      await expect(service.createRegion(as(platformAdmin), { id: 'us-east', name: 'US East' })).resolves.toMatchObject({ id: 'us-east', is_active: true });
      await expect(service.createRegion(as(platformAdmin), { id: 'us-east', name: 'Again' })).rejects.toMatchObject({ code: 'conflict', param: 'id' });
    });

    it('updates only the fields given', async () => {
      await service.updateRegion(as(platformAdmin), 'eu-west', { description: 'Dublin' });
      expect(db.tables.regions.get('eu-west')).toMatchObject({ name: 'eu-west', description: 'Dublin', is_active: true });
      await expect(service.updateRegion(as(platformAdmin), 'mars', { name: 'Mars' })).rejects.toMatchObject({ code: 'not_found' });
    });

    it('never deletes a region deployments run in', async () => {
      await expect(service.deleteRegion(as(platformAdmin), 'eu-west')).rejects.toMatchObject({ code: 'conflict', details: { models: ['gpt-4o'] } });
      db.region('us-east');
      await service.deleteRegion(as(platformAdmin), 'us-east');
      expect(db.tables.regions.has('us-east')).toBe(false);
      await expect(service.deleteRegion(as(platformAdmin), 'us-east')).rejects.toMatchObject({ code: 'not_found' });
    });
  });
});
