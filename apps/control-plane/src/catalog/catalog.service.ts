import { Inject, Injectable } from '@nestjs/common';
import { ModelsRepository, RegionsRepository, UnitOfWork, type ModelFields, type ModelRow, type RegionRow, type Transaction } from '@sluice/control-plane/data-access';
import { SluiceException } from '@sluice/platform';
import { pageWindow } from '@sluice/platform/openapi';
import { AuditService } from '../audit/audit.service';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { SecretBox } from '../secrets/secret-box';
import { regionDatabaseContext } from './region-database-context';
import { requirePlatformAdmin, type Principal } from '../auth/principal';
import { Projector } from '../projection/projector';
import { notFound } from '../auth/tenant-access';
import { catalogProblems } from './catalog-rules';
import { deploymentFields, modelFields, modelView, regionView, type ModelView, type RegionView } from './catalog-view';
import type { CreateModelDto, CreateRegionDto, ListModelsQueryDto, RegionDatabaseDto, UpdateModelDto, UpdateRegionDto } from './dto/catalog.dto';

/**
 * The model catalog and regions: readable by anyone signed in,
 * changed by platform admins. Each change is validated against the whole
 * catalog (under a lock, so two edits cannot together form a fallback cycle),
 * audited on the platform chain, and projected to Redis after it commits.
 */
@Injectable()
export class CatalogService {
  constructor(
    private readonly models: ModelsRepository,
    private readonly regions: RegionsRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: AuditService,
    private readonly projector: Projector,
    private readonly secrets: SecretBox,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  async listModels(query: ListModelsQueryDto): Promise<{ count: number; results: ModelView[] }> {
    const term = query.search?.toLowerCase();
    const matching = (await this.models.all()).filter(
      (model) =>
        (query.provider === undefined || model.provider === query.provider) &&
        (query.sandbox === undefined || model.sandbox === query.sandbox) &&
        (query.enabled === undefined || model.enabled === query.enabled) &&
        (!term || model.id.toLowerCase().includes(term) || model.aliases.some((alias) => alias.toLowerCase().includes(term))),
    );
    const { offset, limit } = pageWindow(query);
    return { count: matching.length, results: matching.slice(offset, offset + limit).map(modelView) };
  }

  /** By id or alias. */
  async getModel(reference: string): Promise<ModelView> {
    return modelView(await this.findModel(reference));
  }

  async createModel(principal: Principal, dto: CreateModelDto): Promise<ModelView> {
    requirePlatformAdmin(principal);
    return this.changeCatalog(async (tx) => {
      if (await this.models.findById(dto.id, tx)) throw new SluiceException('conflict', `Model ${dto.id} already exists`, {}, 'id');
      const fields = modelFields(dto);
      await this.validate(tx, fields);
      const row = await this.models.upsert(tx, fields);
      await this.audit.record(tx, { tenantId: null, eventType: 'model.created', resourceType: 'model', resourceId: row.id, new: modelView(row) });
      return modelView(row);
    });
  }

  async updateModel(principal: Principal, reference: string, dto: UpdateModelDto): Promise<ModelView> {
    requirePlatformAdmin(principal);
    return this.changeCatalog(async (tx) => {
      const current = await this.findModel(reference, tx);
      const fields: ModelFields = {
        ...stripTimestamps(current),
        ...definedOnly({
          aliases: dto.aliases,
          provider: dto.provider,
          deployments: dto.deployments?.map(deploymentFields),
          fallbacks: dto.fallbacks,
          pricing: dto.pricing ? { ...dto.pricing } : undefined,
          context_window: dto.context_window,
          max_output_tokens: dto.max_output_tokens,
          capabilities: dto.capabilities,
          sandbox: dto.sandbox,
          enabled: dto.enabled,
        }),
      };
      await this.validate(tx, fields);
      const row = await this.models.upsert(tx, fields);
      await this.audit.record(tx, { tenantId: null, eventType: 'model.updated', resourceType: 'model', resourceId: row.id, old: modelView(current), new: modelView(row) });
      return modelView(row);
    });
  }

  /** A model another one falls back to cannot be deleted (409) until that fallback is removed. */
  async deleteModel(principal: Principal, reference: string): Promise<void> {
    requirePlatformAdmin(principal);
    await this.changeCatalog(async (tx) => {
      const current = await this.findModel(reference, tx);
      const dependants = (await this.models.all(tx)).filter((model) => model.fallbacks.includes(current.id)).map((model) => model.id);
      if (dependants.length > 0) {
        throw new SluiceException('conflict', `Model ${current.id} is a fallback of ${dependants.join(', ')}`, { fallback_of: dependants });
      }
      await this.models.delete(tx, current.id);
      await this.audit.record(tx, { tenantId: null, eventType: 'model.deleted', resourceType: 'model', resourceId: current.id, old: modelView(current) });
    });
  }

  async listRegions(): Promise<RegionView[]> {
    return (await this.regions.all()).map(regionView);
  }

  async getRegion(id: string): Promise<RegionView> {
    const region = await this.regions.findById(id);
    if (!region) throw notFound('Region');
    return regionView(region);
  }

  async createRegion(principal: Principal, dto: CreateRegionDto): Promise<RegionView> {
    requirePlatformAdmin(principal);
    return this.changeCatalog(async (tx) => {
      if (await this.regions.findById(dto.id, tx)) throw new SluiceException('conflict', `Region ${dto.id} already exists`, {}, 'id');
      let row = await this.regions.upsert(tx, { id: dto.id, name: dto.name, description: dto.description ?? '', is_active: dto.is_active ?? true });
      if (dto.database) row = await this.setRegionDatabase(tx, row.id, dto.database);
      await this.audit.record(tx, { tenantId: null, eventType: 'region.created', resourceType: 'region', resourceId: row.id, new: regionView(row) });
      return regionView(row);
    });
  }

  async updateRegion(principal: Principal, id: string, dto: UpdateRegionDto): Promise<RegionView> {
    requirePlatformAdmin(principal);
    return this.changeCatalog(async (tx) => {
      const current = await this.regions.findById(id, tx);
      if (!current) throw notFound('Region');
      let row = await this.regions.upsert(tx, {
        id,
        name: dto.name ?? current.name,
        description: dto.description ?? current.description,
        is_active: dto.is_active ?? current.is_active,
      });
      if (dto.database === null) await this.refuseWhilePrivateDatabases(tx, id, 'its database server cannot be removed');
      if (dto.database !== undefined) row = await this.setRegionDatabase(tx, id, dto.database);
      await this.audit.record(tx, { tenantId: null, eventType: 'region.updated', resourceType: 'region', resourceId: id, old: regionView(current), new: regionView(row) });
      return regionView(row);
    });
  }

  /** A region deployments still run in cannot be deleted (409). */
  async deleteRegion(principal: Principal, id: string): Promise<void> {
    requirePlatformAdmin(principal);
    await this.changeCatalog(async (tx) => {
      const current = await this.regions.findById(id, tx);
      if (!current) throw notFound('Region');
      const users = (await this.models.all(tx)).filter((model) => model.deployments.some((deployment) => deployment.region === id)).map((model) => model.id);
      if (users.length > 0) throw new SluiceException('conflict', `Region ${id} is used by deployments of ${users.join(', ')}`, { models: users });
      await this.refuseWhilePrivateDatabases(tx, id, 'it cannot be deleted');
      await this.regions.delete(tx, id);
      await this.audit.record(tx, { tenantId: null, eventType: 'region.deleted', resourceType: 'region', resourceId: id, old: regionView(current) });
    });
  }

  /** Seals the admin URL under a context naming the region, so it opens for that region only. */
  private async setRegionDatabase(tx: Transaction, id: string, database: RegionDatabaseDto | null): Promise<RegionRow> {
    const sealed = database ? { host: database.host, port: database.port, adminUrlSealed: this.secrets.seal(database.admin_url, regionDatabaseContext(id)) } : null;
    await this.regions.setDatabase(tx, id, sealed);
    return (await this.regions.findById(id, tx)) as RegionRow;
  }

  private async refuseWhilePrivateDatabases(tx: Transaction, id: string, consequence: string): Promise<void> {
    const count = await this.regions.privateDatabaseCount(id, tx);
    if (count > 0) throw new SluiceException('conflict', `Region ${id} holds ${count} private AI key databases: ${consequence}`, { private_ai_keys: count });
  }

  /** Runs a catalog change under the catalog lock, queues the catalog record, and projects it after the commit. */
  private async changeCatalog<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    const result = await this.unitOfWork.run(async (tx) => {
      await this.models.lockCatalog(tx);
      const value = await work(tx);
      await this.projector.enqueue(tx, [{ kind: 'catalog' }]);
      return value;
    });
    await this.projector.flush();
    return result;
  }

  private async validate(tx: Transaction, fields: ModelFields): Promise<void> {
    const others = (await this.models.all(tx)).filter((model) => model.id !== fields.id).map(stripTimestamps);
    const problems = catalogProblems([...others, fields], await this.regions.all(tx), [fields.id], { credentialEnvs: this.config.providerCredentialEnvs });
    const invalid = Object.keys(problems);
    if (invalid.length > 0) throw new SluiceException('validation_error', `Invalid ${invalid.join(', ')}`, problems, invalid.length === 1 ? invalid[0] : null);
  }

  private async findModel(reference: string, tx?: Transaction): Promise<ModelRow> {
    const all = await this.models.all(tx);
    const model = all.find((row) => row.id === reference) ?? all.find((row) => row.aliases.includes(reference));
    if (!model) throw notFound('Model');
    return model;
  }
}

function stripTimestamps(row: ModelRow): ModelFields {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { created_at, updated_at, ...fields } = row;
  return fields;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}
