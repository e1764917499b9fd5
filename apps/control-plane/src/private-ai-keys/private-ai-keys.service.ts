import { Inject, Injectable, Logger } from '@nestjs/common';
import { ApiKeysRepository, PlansRepository, RegionsRepository, UnitOfWork, type ApiKeyRow, type PlanRow, type RegionDatabase, type TenantRow, type Transaction } from '@sluice/control-plane/data-access';
import { isUuid } from '@sluice/contracts';
import { SluiceException } from '@sluice/platform';
import { pageWindow } from '@sluice/platform/openapi';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { apiKeyView, type ApiKeyView, type ApiKeyWithSecretView, type VectorDatabaseView } from '../api-keys/api-key-view';
import type { CreateApiKeyDto } from '../api-keys/dto/api-key.dto';
import { AuditService } from '../audit/audit.service';
import { ownerUserIdOf, type Principal } from '../auth/principal';
import { notFound, TenantAccess } from '../auth/tenant-access';
import { regionDatabaseContext } from '../catalog/region-database-context';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { SecretBox } from '../secrets/secret-box';
import { newDatabaseName, newDatabasePassword } from './database-names';
import { DatabaseProvisioner, ProvisioningError } from './database-provisioner';
import type { CreateLlmTokenDto, CreatePrivateAiKeyDto, ExtendTokenLifeDto, ListPrivateAiKeysQueryDto } from './dto/private-ai-key.dto';
import {
  privateAiKeyView,
  type DatabasePasswordView,
  type LlmTokenView,
  type PrivateAiKeyView,
  type PrivateAiKeyWithSecretsView,
  type PrivateStorageView,
} from './private-ai-key-view';
import { PrivateAiKeysRepository, type PrivateAiKeyRow } from './private-ai-keys.repository';

type Headers = Record<string, string | string[] | undefined>;

interface CreatedWithDatabase {
  key: ApiKeyWithSecretView;
  row: PrivateAiKeyRow;
  keyRow: ApiKeyRow;
  database: VectorDatabaseView;
}

function vectorDatabaseView(row: PrivateAiKeyRow, password: string): VectorDatabaseView {
  return {
    database_name: row.database_name,
    database_host: row.database_host,
    database_port: row.database_port,
    database_username: row.database_username,
    database_password: password,
    vector_enabled: row.vector_enabled,
  };
}

/** The context a key's sealed database password authenticates. */
export const databasePasswordContext = (id: string): string => `private_ai_key_password:${id}`;

const DAY_MS = 86_400_000;

/**
 * Private AI keys (docs/private-ai-keys.md): an API key and a PostgreSQL
 * database of its own on its region's server. The key and the database come
 * into being together or not at all: the database is created inside the
 * transaction that creates the key, and whatever the server made is dropped
 * again when anything fails, so a failed request leaves no key and no
 * database (a crash in between leaves a database no key claims, which the
 * clean-up job drops).
 */
@Injectable()
export class PrivateAiKeysService {
  private readonly logger = new Logger('PrivateAiKeys');

  constructor(
    private readonly keys: PrivateAiKeysRepository,
    private readonly apiKeys: ApiKeysService,
    private readonly apiKeyRows: ApiKeysRepository,
    private readonly regions: RegionsRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly access: TenantAccess,
    private readonly audit: AuditService,
    private readonly secrets: SecretBox,
    private readonly provisioner: DatabaseProvisioner,
    private readonly plans: PlansRepository,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  async create(principal: Principal, dto: CreatePrivateAiKeyDto, headers: Headers): Promise<PrivateAiKeyWithSecretsView> {
    this.checkOwner(principal, dto.owner_id);
    const made = await this.createWithKey(principal, { name: dto.name, tenant: dto.tenant, team: dto.team_id ?? undefined, region_id: dto.region_id }, headers);
    return { ...privateAiKeyView(made.row, made.keyRow, this.gatewayUrl), database_password: made.database.database_password, litellm_token: made.key.key };
  }

  /** `POST /api/api-keys/` with `vector_db: true`, and `create` above: the key with its restrictions, and its database. */
  async createWithKey(principal: Principal, dto: CreateApiKeyDto, headers: Headers): Promise<CreatedWithDatabase> {
    const regionId = dto.region_id;
    if (!regionId) throw new SluiceException('validation_error', 'A key with a database needs region_id', { region_id: ['required with vector_db'] }, 'region_id');
    await this.activeRegion(regionId);
    const server = await this.regions.database(regionId);
    if (!server) {
      throw new SluiceException('conflict', `Region ${regionId} has no database server: create an LLM-only key with POST /api/private-ai-keys/token/`, { region_id: regionId }, 'region_id');
    }
    const adminUrl = this.secrets.open(server.adminUrlSealed, regionDatabaseContext(regionId));
    const name = newDatabaseName(this.config.privateAiKeys.databasePrefix);
    const password = newDatabasePassword();
    let provisioned = false;
    let made: { row: PrivateAiKeyRow; keyRow: ApiKeyRow } | null = null;
    try {
      const key = await this.apiKeys.create(
        principal,
        { ...dto, vector_db: undefined, region_id: undefined, allowed_regions: dto.allowed_regions ?? [regionId] },
        headers,
        async (tx, apiKey, { tenant, plan }) => {
          await this.checkCount(tx, tenant, plan);
          const { vectorEnabled } = await this.provisioner.provision(adminUrl, name, password);
          provisioned = true;
          made = { row: await this.insert(tx, apiKey, regionId, server, name, password, vectorEnabled), keyRow: apiKey };
        },
      );
      const done = made as { row: PrivateAiKeyRow; keyRow: ApiKeyRow } | null;
      if (!done) throw new Error('the key was created without its database');
      return { key, row: done.row, keyRow: done.keyRow, database: vectorDatabaseView(done.row, password) };
    } catch (error) {
      if (provisioned) await this.provisioner.teardown(adminUrl, name).catch((cause: unknown) => this.logger.warn(`Private database ${name} left for the clean-up job: ${messageOf(cause)}`));
      if (error instanceof ProvisioningError) {
        this.logger.warn(`Private AI key not created in region ${regionId}: ${error.message}`);
        throw new SluiceException('service_unavailable', `The database server of region ${regionId} could not create the key's database; nothing was created`, { region_id: regionId });
      }
      throw error;
    }
  }

  async createToken(principal: Principal, dto: CreateLlmTokenDto, headers: Headers): Promise<LlmTokenView> {
    this.checkOwner(principal, dto.owner_id);
    await this.activeRegion(dto.region_id);
    const key = await this.apiKeys.create(principal, { name: dto.name, tenant: dto.tenant, team: dto.team_id ?? undefined, allowed_regions: [dto.region_id] }, headers);
    return { id: key.id, name: key.name, region_id: dto.region_id, litellm_token: key.key, litellm_api_url: this.gatewayUrl, created_at: key.created_at };
  }

  /** Extends the key's expiry by `duration` days and sets its budget and rate. */
  async extendTokenLife(principal: Principal, dto: ExtendTokenLifeDto): Promise<ApiKeyView> {
    const key = await this.apiKeys.manageableBySecret(principal, dto.token);
    const now = Date.now();
    const expiresAt =
      dto.duration === undefined || key.expires_at === null ? undefined : new Date(Math.max(now, key.expires_at.getTime()) + dto.duration * DAY_MS).toISOString();
    const limits = { ...key.limits };
    if (dto.rpm !== undefined) limits.rpm = dto.rpm;
    if (dto.max_budget !== undefined) {
      limits.budget_usd = dto.max_budget;
      limits.budget_period ??= 'total';
    }
    const changed = dto.rpm !== undefined || dto.max_budget !== undefined;
    if (expiresAt === undefined && !changed) return apiKeyView(key);
    return this.apiKeys.update(principal, key.id, { ...(expiresAt ? { expires_at: expiresAt } : {}), ...(changed ? { limits } : {}) });
  }

  async list(principal: Principal, query: ListPrivateAiKeysQueryDto, headers: Headers): Promise<{ count: number; results: PrivateAiKeyView[] }> {
    const tenantIds = await this.access.visibleTenantIds(principal, query.tenant, headers);
    const slice = await this.keys.list(tenantIds, pageWindow(query));
    const results: PrivateAiKeyView[] = [];
    for (const row of slice.rows) {
      const key = await this.apiKeyRows.findById(row.tenant_id, row.id);
      if (key) results.push(privateAiKeyView(row, key, this.gatewayUrl));
    }
    return { count: slice.count, results };
  }

  async get(principal: Principal, id: string): Promise<PrivateAiKeyView> {
    const row = await this.live(id);
    await this.apiKeys.get(principal, id);
    const key = await this.apiKeyRows.findById(row.tenant_id, id);
    if (!key) throw notFound('Private AI key');
    return privateAiKeyView(row, key, this.gatewayUrl);
  }

  /**
   * Revokes the key, ends the role's sessions and drops the database and the
   * role. Idempotent: a key already deleted answers the same. The row is
   * marked `deleting` first, so a crash half-way is finished by the clean-up
   * job (or by calling again).
   */
  async remove(principal: Principal, id: string): Promise<{ message: string }> {
    const existing = isUuid(id) ? await this.keys.findById(id) : null;
    if (!existing) throw notFound('Private AI key');
    await this.apiKeys.manageable(principal, id).catch((error: unknown) => {
      throw error instanceof SluiceException && error.code === 'not_found' ? notFound('Private AI key') : error;
    });
    if (existing.status !== 'deleted') {
      await this.unitOfWork.run(async (tx) => {
        const current = await this.keys.lock(tx, id);
        if (current?.status !== 'ready') return;
        await this.keys.setStatus(tx, id, 'deleting');
        await this.audit.record(tx, { tenantId: current.tenant_id, eventType: 'private_ai_key.deleting', resourceType: 'private_ai_key', resourceId: id, old: auditFields(current) });
      });
      await this.finishDeletion(existing);
    }
    return { message: 'Private AI key deleted successfully' };
  }

  /** Revoke, drop, mark deleted; each step idempotent. Throws 503 when the server cannot be reached (the row stays `deleting`). */
  async finishDeletion(row: PrivateAiKeyRow): Promise<void> {
    await this.apiKeys.revokeChecked(row.tenant_id, row.id);
    const server = await this.regions.database(row.region_id);
    if (server) {
      try {
        await this.provisioner.teardown(this.secrets.open(server.adminUrlSealed, regionDatabaseContext(row.region_id)), row.database_name);
      } catch (error) {
        this.logger.warn(`Private database ${row.database_name} not dropped yet: ${messageOf(error)}`);
        throw new SluiceException('service_unavailable', `The database server of region ${row.region_id} could not drop the key's database; the key is revoked and the database is dropped later`, {});
      }
    }
    await this.unitOfWork.run(async (tx) => {
      const current = await this.keys.lock(tx, row.id);
      if (!current || current.status === 'deleted') return;
      await this.keys.setStatus(tx, row.id, 'deleted');
      await this.audit.record(tx, { tenantId: row.tenant_id, eventType: 'private_ai_key.deleted', resourceType: 'private_ai_key', resourceId: row.id, old: auditFields(current) });
    });
  }

  async rotateDatabasePassword(principal: Principal, id: string): Promise<DatabasePasswordView> {
    const row = await this.live(id);
    await this.apiKeys.manageable(principal, id);
    if (row.status !== 'ready') throw new SluiceException('conflict', 'The key is being deleted', { status: row.status });
    const server = await this.regions.database(row.region_id);
    if (!server) throw new SluiceException('service_unavailable', `Region ${row.region_id} has no database server any more`, {});
    const password = newDatabasePassword();
    try {
      await this.provisioner.setPassword(this.secrets.open(server.adminUrlSealed, regionDatabaseContext(row.region_id)), row.database_username, password);
    } catch (error) {
      this.logger.warn(`Password of ${row.database_username} not changed: ${messageOf(error)}`);
      throw new SluiceException('service_unavailable', `The database server of region ${row.region_id} could not change the password; the old one still works`, {});
    }
    await this.unitOfWork.run(async (tx) => {
      await this.keys.setPassword(tx, id, this.secrets.seal(password, databasePasswordContext(id)));
      await this.audit.record(tx, { tenantId: row.tenant_id, eventType: 'private_ai_key.password_rotated', resourceType: 'private_ai_key', resourceId: id, new: auditFields(row) });
    });
    return { id, database_username: row.database_username, database_password: password };
  }

  /** The tenant's measured private database storage against its plan's `vector_db_storage`. */
  async storage(principal: Principal, tenantReference: string | undefined, headers: Headers): Promise<PrivateStorageView> {
    const { tenant } = await this.access.resolve(principal, tenantReference, headers, 'viewer');
    const measured = await this.keys.tenantStorage(tenant.id);
    return {
      tenant: tenant.id,
      databases: measured.databases,
      bytes: measured.bytes,
      limit: (await this.plans.findById(tenant.subscription_tier))?.extras.vector_db_storage ?? null,
      measured_at: measured.measured_at?.toISOString() ?? null,
    };
  }

  private get gatewayUrl(): string {
    return this.config.privateAiKeys.gatewayPublicUrl;
  }

  private async live(id: string): Promise<PrivateAiKeyRow> {
    const row = isUuid(id) ? await this.keys.findById(id) : null;
    if (!row || row.status === 'deleted') throw notFound('Private AI key');
    return row;
  }

  private checkOwner(principal: Principal, ownerId: string | null | undefined): void {
    if (ownerId === undefined || ownerId === null) return;
    if (ownerId !== ownerUserIdOf(principal)) {
      throw new SluiceException('validation_error', 'owner_id must be the caller: a key is owned by the user who creates it', { owner_id: ['must be your own user id'] }, 'owner_id');
    }
  }

  private async activeRegion(id: string): Promise<void> {
    const region = await this.regions.findById(id);
    if (!region || !region.is_active) {
      throw new SluiceException('validation_error', `${id} is not an active region`, { region_id: [`${id} is not an active region`] }, 'region_id');
    }
  }

  /** `vector_db_count` of the tenant's plan, checked under the tenant's lock that key creation holds. */
  private async checkCount(tx: Transaction, tenant: TenantRow, plan: PlanRow | null): Promise<void> {
    const limit = plan?.extras.vector_db_count;
    if (typeof limit !== 'number') return;
    if ((await this.keys.countHeld(tenant.id, tx)) >= limit) {
      throw new SluiceException('key_limit_reached', `The plan allows ${limit} private AI keys (databases)`, { vector_db_count: limit });
    }
  }

  private async insert(tx: Transaction, key: ApiKeyRow, regionId: string, server: RegionDatabase, name: string, password: string, vectorEnabled: boolean): Promise<PrivateAiKeyRow> {
    const row = await this.keys.create(tx, {
      id: key.id,
      tenant_id: key.tenant_id,
      region_id: regionId,
      database_name: name,
      database_username: name,
      database_host: server.host,
      database_port: server.port,
      password_sealed: this.secrets.seal(password, databasePasswordContext(key.id)),
      vector_enabled: vectorEnabled,
    });
    await this.audit.record(tx, { tenantId: key.tenant_id, eventType: 'private_ai_key.created', resourceType: 'private_ai_key', resourceId: key.id, new: auditFields(row) });
    return row;
  }
}

/** What the audit trail keeps of a key's database: never the sealed password. */
function auditFields(row: PrivateAiKeyRow): Record<string, unknown> {
  return { region_id: row.region_id, database_name: row.database_name, database_host: row.database_host, vector_enabled: row.vector_enabled, status: row.status };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
