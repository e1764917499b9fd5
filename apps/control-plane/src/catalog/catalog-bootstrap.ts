import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ModelsRepository, RegionsRepository, UnitOfWork, type ModelFields, type ModelRow, type RegionRow } from '@sluice/control-plane/data-access';
import { ConfigError } from '@sluice/platform';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { AuditService } from '../audit/audit.service';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { SchemaReady } from '../database/schema-ready';
import { Projector } from '../projection/projector';
import { catalogProblems, type DeploymentPolicy } from './catalog-rules';
import { modelFields, modelView, regionView } from './catalog-view';
import { CatalogFileDto } from './dto/catalog.dto';

/** The catalog file's `${MOCK_PROVIDER_URL}` placeholder (the only substitution it knows). */
const MOCK_PROVIDER_PLACEHOLDER = /\$\{MOCK_PROVIDER_URL\}/g;

/**
 * Reads the checked-in catalog file, with `${MOCK_PROVIDER_URL}` replaced by
 * the configured mock provider, and validates it as the API would. A broken
 * file stops start-up with one line naming the problem.
 */
export function loadCatalogFile(path: string, mockProviderUrl: string, policy: DeploymentPolicy): { regions: RegionRowFields[]; models: ModelFields[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(locate(path), 'utf8').replace(MOCK_PROVIDER_PLACEHOLDER, mockProviderUrl));
  } catch (error) {
    throw new ConfigError(`CATALOG_FILE ${path} cannot be read as JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const file = plainToInstance(CatalogFileDto, parsed);
  const errors = validateSync(file, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  if (errors.length > 0) throw new ConfigError(`CATALOG_FILE ${path} is invalid: ${firstProblem(errors)}`);
  const regions = file.regions.map((region) => ({ id: region.id, name: region.name, description: region.description ?? '', is_active: region.is_active ?? true }));
  const models = file.models.map(modelFields);
  const problems = catalogProblems(models, regions, models.map((model) => model.id), policy);
  const [field] = Object.keys(problems);
  if (field) throw new ConfigError(`CATALOG_FILE ${path} is invalid: ${field}: ${problems[field][0]}`);
  return { regions, models };
}

type RegionRowFields = Pick<RegionRow, 'id' | 'name' | 'description' | 'is_active'>;

/** What an upsert of the catalog file changed, by id; models added through the API and absent from the file are left alone. */
export interface CatalogFileChanges {
  regions_created: string[];
  regions_updated: string[];
  models_created: string[];
  models_updated: string[];
}

/**
 * A relative path is looked up from the working directory (the repository,
 * under `npm start`), then next to the running bundle, where the build copies
 * the catalog (a container has only `dist/`).
 */
function locate(path: string): string {
  const candidates = isAbsolute(path) ? [path] : [resolve(path), resolve(dirname(require.main?.filename ?? '.'), path)];
  return candidates.find((candidate) => existsSync(candidate)) ?? candidates[0];
}

/**
 * Upserts the catalog file (`CATALOG_FILE`, docs/operations.md) on start: its regions and models are
 * created or brought back to the file's definition; models added through the
 * API are left alone. Only actual changes are audited, so restarts do not
 * flood the platform chain.
 */
@Injectable()
export class CatalogBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger('Catalog');

  constructor(
    private readonly models: ModelsRepository,
    private readonly regions: RegionsRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: AuditService,
    private readonly projector: Projector,
    private readonly schema: SchemaReady,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Read and validated at once, so a broken file stops start-up even before migrations are applied.
    const file = loadCatalogFile(this.config.catalogFile, this.config.mockProviderUrl, { credentialEnvs: this.config.providerCredentialEnvs });
    await this.schema.whenMigrated('loading the catalog file', async () => {
      await this.upsert(file);
    });
  }

  /**
   * Reads the file again and upserts it, as on start (`POST /api/models/refresh/`): a broken file is a
   * `ConfigError` and changes nothing; the projection is flushed before this returns, so gateways follow at once.
   */
  async refresh(): Promise<CatalogFileChanges> {
    return this.upsert(loadCatalogFile(this.config.catalogFile, this.config.mockProviderUrl, { credentialEnvs: this.config.providerCredentialEnvs }));
  }

  private async upsert(file: ReturnType<typeof loadCatalogFile>): Promise<CatalogFileChanges> {
    const changes: CatalogFileChanges = { regions_created: [], regions_updated: [], models_created: [], models_updated: [] };
    const changed = await this.unitOfWork.run(async (tx) => {
      await this.models.lockCatalog(tx);
      let count = 0;
      for (const region of file.regions) {
        const current = await this.regions.findById(region.id, tx);
        if (current && sameContent(regionFields(current), region)) continue;
        const row = await this.regions.upsert(tx, region);
        await this.audit.record(tx, { tenantId: null, eventType: current ? 'region.updated' : 'region.created', resourceType: 'region', resourceId: row.id, old: current ? regionView(current) : null, new: regionView(row) });
        (current ? changes.regions_updated : changes.regions_created).push(row.id);
        count += 1;
      }
      for (const model of file.models) {
        const current = await this.models.findById(model.id, tx);
        if (current && sameContent(withoutTimestamps(current), model)) continue;
        const row = await this.models.upsert(tx, model);
        await this.audit.record(tx, { tenantId: null, eventType: current ? 'model.updated' : 'model.created', resourceType: 'model', resourceId: row.id, old: current ? modelView(current) : null, new: modelView(row) });
        (current ? changes.models_updated : changes.models_created).push(row.id);
        count += 1;
      }
      if (count > 0) await this.projector.enqueue(tx, [{ kind: 'catalog' }]);
      return count;
    });
    if (changed > 0) {
      this.logger.log(`Catalog file ${this.config.catalogFile}: ${changed} regions and models created or updated`);
      await this.projector.flush();
    }
    return changes;
  }
}

function regionFields(row: RegionRow): RegionRowFields {
  return { id: row.id, name: row.name, description: row.description, is_active: row.is_active };
}

function withoutTimestamps(row: ModelRow): ModelFields {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { created_at, updated_at, ...fields } = row;
  return fields;
}

/** Equal as JSON regardless of key order (jsonb reorders keys). */
function sameContent(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function firstProblem(errors: ValidationError[], path = ''): string {
  const [error] = errors;
  const field = path ? `${path}.${error.property}` : error.property;
  if (error.constraints) return `${field}: ${Object.values(error.constraints)[0]}`;
  return firstProblem(error.children ?? [], field);
}
