import { Injectable } from '@nestjs/common';
import { generateApiKey, hashApiKey, roleAtLeast, scopesBeyondRole, type TenantRole } from '@sluice/auth';
import {
  ApiKeysRepository,
  PlansRepository,
  TenantsRepository,
  UnitOfWork,
  type ApiKeyChanges,
  type ApiKeyRow,
  type OutboxTarget,
  type PlanRow,
  type TenantRow,
  type Transaction,
} from '@sluice/control-plane/data-access';
import { isUuid, type KeyScope } from '@sluice/contracts';
import { SluiceException } from '@sluice/platform';
import { pageWindow } from '@sluice/platform/openapi';
import { AuditService } from '../audit/audit.service';
import { ownerUserIdOf, userIdOf, type Principal } from '../auth/principal';
import { assertProductKeyCount, withProductDefaults } from '../billing/product-limits';
import { Projector } from '../projection/projector';
import { tenantLimits } from '../projection/tenant-limits';
import { notFound, TenantAccess } from '../auth/tenant-access';
import { WebhookOutbox } from '../webhooks/webhook-outbox';
import { ApiKeyOwners } from './api-key-owners';
import { ApiKeyRestrictions } from './api-key-restrictions';
import { apiKeyView, type ApiKeyView, type ApiKeyWithSecretView, type VectorDatabaseView } from './api-key-view';
import type { BulkRotateApiKeysDto, CreateApiKeyDto, ListApiKeysQueryDto, RotateApiKeyDto, UpdateApiKeyDto } from './dto/api-key.dto';

type Headers = Record<string, string | string[] | undefined>;

/** Work another feature does in the transaction that creates a key (a private AI key's database); it throwing creates nothing. */
export type WithinKeyCreation = (tx: Transaction, key: ApiKeyRow, context: { tenant: TenantRow; plan: PlanRow | null }) => Promise<void>;

/** The private AI key feature, which makes the database of a key created with `vector_db: true`. */
export interface VectorDatabases {
  createWithKey(principal: Principal, dto: CreateApiKeyDto, headers: Headers): Promise<{ key: ApiKeyWithSecretView; database: VectorDatabaseView }>;
}

interface LoadedKey {
  key: ApiKeyRow;
  role: TenantRole;
}

/**
 * Tenant API keys (docs/decisions.md, API keys). The secret exists only in the response to
 * create and rotate; the database and the audit trail see its hash, prefix
 * and last four characters. Viewers read metadata; members create keys and
 * manage their own; admins manage all of the tenant's. A key's scopes never
 * exceed its owner's role (see `api-key-owners.ts`); service keys, owned by
 * no user, are created explicitly by owners and admins. Every change is
 * audited and queued for the Redis projection in its own transaction, and
 * projected once that transaction commits.
 */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly apiKeys: ApiKeysRepository,
    private readonly tenants: TenantsRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly access: TenantAccess,
    private readonly restrictions: ApiKeyRestrictions,
    private readonly audit: AuditService,
    private readonly projector: Projector,
    private readonly plans: PlansRepository,
    private readonly keyOwners: ApiKeyOwners,
    private readonly webhookEvents: WebhookOutbox,
  ) {}

  async list(principal: Principal, query: ListApiKeysQueryDto, headers: Headers): Promise<{ count: number; results: ApiKeyView[] }> {
    const tenantIds = await this.access.visibleTenantIds(principal, query.tenant, headers);
    const slice = await this.apiKeys.list(
      tenantIds,
      { status: query.status, environment: query.environment, search: query.search },
      { ...pageWindow(query), ordering: query.ordering },
    );
    return { count: slice.count, results: slice.rows.map((row) => apiKeyView(row)) };
  }

  async get(principal: Principal, id: string): Promise<ApiKeyView> {
    return apiKeyView((await this.load(principal, id, 'viewer')).key);
  }

  private vectorDatabases: VectorDatabases | null = null;

  /** Called once by the private AI key module. */
  useVectorDatabases(handler: VectorDatabases): void {
    this.vectorDatabases = handler;
  }

  async create(principal: Principal, dto: CreateApiKeyDto, headers: Headers, within?: WithinKeyCreation): Promise<ApiKeyWithSecretView> {
    if (dto.vector_db) {
      if (!this.vectorDatabases) throw new SluiceException('service_unavailable', 'Private databases are not available in this deployment', {});
      const { key, database } = await this.vectorDatabases.createWithKey(principal, dto, headers);
      return { ...key, vector_db: database };
    }
    if (dto.region_id !== undefined) throw new SluiceException('validation_error', 'region_id is for keys with vector_db: true', { region_id: ['only with vector_db: true'] }, 'region_id');
    const { tenant, role } = await this.access.resolve(principal, dto.tenant, headers, dto.service ? 'admin' : 'member');
    const scopes = dto.scopes ?? ['inference'];
    requireScopesWithin(scopes, role);
    const owner = dto.service ? null : ownerUserIdOf(principal);
    if (owner === null && !dto.service) {
      throw new SluiceException('validation_error', 'A service key creates only service keys: send service: true', { service: ['must be true'] }, 'service');
    }
    const team = await this.restrictions.check(tenant, dto);
    const environment = dto.environment ?? 'live';
    const generated = generateApiKey(environment);
    const row = await this.commit(async (tx) => {
      const locked = (await this.tenants.lock(tx, tenant.id)) ?? tenant;
      const plan = await this.plans.findById(locked.subscription_tier, tx);
      const maxKeys = tenantLimits(locked, plan).max_keys as number;
      if ((await this.apiKeys.countUsable(tenant.id, tx)) >= maxKeys) {
        throw new SluiceException('key_limit_reached', `Tenant ${tenant.slug} has reached its limit of ${maxKeys} API keys`, { max_keys: maxKeys });
      }
      await assertProductKeyCount(this.apiKeys, tx, tenant.id, owner, plan);
      const key = await this.apiKeys.create(tx, tenant.id, {
        teamId: team?.id ?? null,
        createdBy: owner,
        name: dto.name,
        keyHash: generated.hash,
        prefix: generated.prefix,
        last4: generated.last4,
        environment,
        scopes,
        expiresAt: dto.expires_at ? new Date(dto.expires_at) : null,
        allowedModels: dto.allowed_models ?? null,
        allowedIps: dto.allowed_ips ?? null,
        allowedRegions: dto.allowed_regions ?? null,
        allowedOrigins: dto.allowed_origins ?? null,
        allowNoOrigin: dto.allow_no_origin ?? true,
        limits: withProductDefaults(dto.limits, plan),
      });
      await this.audit.record(tx, { tenantId: tenant.id, eventType: 'api_key.created', resourceType: 'api_key', resourceId: key.id, new: apiKeyView(key) });
      await this.webhookEvents.emit(tx, tenant.id, 'key.created', apiKeyView(key));
      await within?.(tx, key, { tenant: locked, plan });
      return { value: key, targets: [hashTarget(key.key_hash)] };
    });
    return { ...apiKeyView(row), key: generated.secret };
  }

  async update(principal: Principal, id: string, dto: UpdateApiKeyDto): Promise<ApiKeyView> {
    const { key, role } = await this.loadManageable(principal, id);
    const tenant = await this.tenants.findById(key.tenant_id);
    if (!tenant) throw notFound('API key');
    if (dto.scopes) {
      requireScopesWithin(dto.scopes, role);
      const ownerRole = await this.keyOwners.ownerRole(key);
      const beyond = ownerRole ? scopesBeyondRole(dto.scopes, ownerRole) : dto.scopes;
      if (beyond.length > 0) {
        const why = `the key's owner is ${ownerRole ?? 'no longer a member'}`;
        throw new SluiceException('validation_error', `A key may not hold ${beyond.join(', ')}: ${why}`, { scopes: [`${beyond.join(', ')} exceeds the role of the key's owner`] }, 'scopes');
      }
    }
    const team = await this.restrictions.check(tenant, dto, key.team_id);
    const changes: ApiKeyChanges = {
      name: dto.name,
      scopes: dto.scopes,
      expires_at: dto.expires_at === undefined ? undefined : dto.expires_at === null ? null : new Date(dto.expires_at),
      allowed_models: dto.allowed_models,
      allowed_ips: dto.allowed_ips,
      allowed_regions: dto.allowed_regions,
      allowed_origins: dto.allowed_origins,
      allow_no_origin: dto.allow_no_origin,
      team_id: dto.team === undefined ? undefined : (team?.id ?? null),
      limits: dto.limits ? { ...dto.limits } : undefined,
    };
    const row = await this.commit(async (tx) => {
      const current = await this.lockKey(tx, key);
      const updated = await this.apiKeys.update(tx, key.tenant_id, key.id, changes);
      await this.audit.record(tx, { tenantId: key.tenant_id, eventType: 'api_key.updated', resourceType: 'api_key', resourceId: key.id, old: apiKeyView(current), new: apiKeyView(updated) });
      return { value: updated, targets: hashTargets(updated.key_hash, updated.previous_key_hash) };
    });
    return apiKeyView(row);
  }

  /** Idempotent: revoking a revoked key changes nothing. The rotated-out secret stops with it. */
  async revoke(principal: Principal, id: string): Promise<ApiKeyView> {
    const { key } = await this.loadManageable(principal, id);
    if (key.status === 'revoked') return apiKeyView(key);
    const row = await this.commit(async (tx) => {
      const current = await this.lockKey(tx, key);
      if (current.status === 'revoked') return { value: current, targets: [] };
      const revoked = await this.apiKeys.update(tx, key.tenant_id, key.id, { status: 'revoked', revoked_at: new Date() });
      await this.audit.record(tx, { tenantId: key.tenant_id, eventType: 'api_key.revoked', resourceType: 'api_key', resourceId: key.id, old: apiKeyView(current), new: apiKeyView(revoked) });
      await this.webhookEvents.emit(tx, key.tenant_id, 'key.revoked', apiKeyView(revoked));
      return { value: revoked, targets: hashTargets(revoked.key_hash, revoked.previous_key_hash) };
    });
    return apiKeyView(row);
  }

  /**
   * Revokes the key at once (the projection is rewritten before this returns,
   * so gateways refuse it within a second) and hides it from lists and reads.
   * The row stays: its usage and audit keep naming it.
   */
  async remove(principal: Principal, id: string): Promise<void> {
    const { key } = await this.loadManageable(principal, id);
    await this.commit(async (tx) => {
      const current = await this.lockKey(tx, key);
      const now = new Date();
      const deleted = await this.apiKeys.update(tx, key.tenant_id, key.id, { status: 'revoked', revoked_at: current.revoked_at ?? now, deleted_at: now });
      await this.audit.record(tx, { tenantId: key.tenant_id, eventType: 'api_key.deleted', resourceType: 'api_key', resourceId: key.id, old: apiKeyView(current), new: apiKeyView(deleted) });
      await this.webhookEvents.emit(tx, key.tenant_id, 'key.deleted', apiKeyView(deleted));
      return { value: deleted, targets: hashTargets(current.key_hash, current.previous_key_hash) };
    });
  }

  /** Revokes a key the caller was already allowed to act on (another feature's check), or a background job's; idempotent. */
  async revokeChecked(tenantId: string, id: string): Promise<void> {
    await this.commit(async (tx) => {
      const current = await this.apiKeys.lock(tx, tenantId, id);
      if (!current || current.status === 'revoked') return { value: undefined, targets: [] };
      const revoked = await this.apiKeys.update(tx, tenantId, id, { status: 'revoked', revoked_at: new Date() });
      await this.audit.record(tx, { tenantId, eventType: 'api_key.revoked', resourceType: 'api_key', resourceId: id, old: apiKeyView(current), new: apiKeyView(revoked) });
      return { value: undefined, targets: hashTargets(revoked.key_hash, revoked.previous_key_hash) };
    });
  }

  /** A key the caller may change (404 when not seen, 403 when only seen): for features built on keys. */
  async manageable(principal: Principal, id: string): Promise<ApiKeyRow> {
    return (await this.loadManageable(principal, id)).key;
  }

  /** The key a secret belongs to, if the caller may change it (404 otherwise, as for an id). */
  async manageableBySecret(principal: Principal, secret: string): Promise<ApiKeyRow> {
    const key = await this.apiKeys.findByAnyHash(hashApiKey(secret));
    if (!key || key.status === 'revoked') throw notFound('API key');
    return (await this.loadManageable(principal, key.id)).key;
  }

  async rotate(principal: Principal, id: string, dto: RotateApiKeyDto): Promise<ApiKeyWithSecretView> {
    const { key } = await this.loadManageable(principal, id);
    const [rotated] = await this.rotateAll([key], dto.grace_seconds ?? 0);
    return rotated;
  }

  /** By `ids` (each one the caller may manage) or every active key of a `tenant` (admins); all or nothing. */
  async bulkRotate(principal: Principal, dto: BulkRotateApiKeysDto): Promise<{ count: number; results: ApiKeyWithSecretView[] }> {
    if ((dto.ids === undefined) === (dto.tenant === undefined)) {
      throw new SluiceException('validation_error', 'Give either ids or tenant', { ids: ['give either ids or tenant, not both'] }, 'ids');
    }
    let keys: ApiKeyRow[];
    if (dto.tenant !== undefined) {
      const { tenant } = await this.access.authorize(principal, dto.tenant, 'admin');
      keys = await this.apiKeys.usable(tenant.id);
    } else {
      keys = [];
      for (const id of dto.ids ?? []) keys.push((await this.loadManageable(principal, id)).key);
    }
    const results = await this.rotateAll(keys, dto.grace_seconds ?? 0);
    return { count: results.length, results };
  }

  /**
   * Gives each key a new secret; the old one keeps working for `graceSeconds`
   * (its record gets that expiry), and a secret an earlier rotation left in
   * grace stops at once.
   */
  private async rotateAll(keys: ApiKeyRow[], graceSeconds: number): Promise<ApiKeyWithSecretView[]> {
    const secrets = new Map<string, string>();
    const rows = await this.commit(async (tx) => {
      const rotated: ApiKeyRow[] = [];
      const targets: OutboxTarget[] = [];
      for (const key of keys) {
        const current = await this.lockKey(tx, key);
        if (current.status === 'revoked') throw new SluiceException('conflict', `API key ${key.id} is revoked and cannot be rotated`, { id: key.id });
        const generated = generateApiKey(current.environment);
        const now = new Date();
        const updated = await this.apiKeys.update(tx, key.tenant_id, key.id, {
          key_hash: generated.hash,
          prefix: generated.prefix,
          last4: generated.last4,
          previous_key_hash: graceSeconds > 0 ? current.key_hash : null,
          previous_key_expires_at: graceSeconds > 0 ? new Date(now.getTime() + graceSeconds * 1000) : null,
          rotated_at: now,
        });
        await this.audit.record(tx, {
          tenantId: key.tenant_id,
          eventType: 'api_key.rotated',
          resourceType: 'api_key',
          resourceId: key.id,
          old: apiKeyView(current),
          new: { ...apiKeyView(updated), grace_seconds: graceSeconds },
        });
        await this.webhookEvents.emit(tx, key.tenant_id, 'key.rotated', { ...apiKeyView(updated), grace_seconds: graceSeconds });
        secrets.set(key.id, generated.secret);
        rotated.push(updated);
        targets.push(...hashTargets(updated.key_hash, current.key_hash, current.previous_key_hash));
      }
      return { value: rotated, targets };
    });
    return rows.map((row) => ({ ...apiKeyView(row), key: secrets.get(row.id) as string }));
  }

  /** Runs a change with its projection targets queued in the same transaction, then projects them. */
  private async commit<T>(work: (tx: Transaction) => Promise<{ value: T; targets: OutboxTarget[] }>): Promise<T> {
    const value = await this.unitOfWork.run(async (tx) => {
      const result = await work(tx);
      await this.projector.enqueue(tx, result.targets);
      return result.value;
    });
    await this.projector.flush();
    return value;
  }

  private async lockKey(tx: Transaction, key: ApiKeyRow): Promise<ApiKeyRow> {
    const current = await this.apiKeys.lock(tx, key.tenant_id, key.id);
    if (!current || current.deleted_at) throw notFound('API key');
    return current;
  }

  /** A key the caller sees (else 404) and may change: admins any of the tenant's, members their own (else 403). */
  private async loadManageable(principal: Principal, id: string): Promise<LoadedKey> {
    const loaded = await this.load(principal, id, 'member');
    if (!roleAtLeast(loaded.role, 'admin') && loaded.key.created_by !== userIdOf(principal)) {
      throw new SluiceException('forbidden', 'Members may change only the API keys they created');
    }
    return loaded;
  }

  private async load(principal: Principal, id: string, required: TenantRole): Promise<LoadedKey> {
    const tenantId = isUuid(id) ? await this.apiKeys.tenantOf(id) : null;
    if (!tenantId) throw notFound('API key');
    const { role } = await this.access.check(principal, await this.tenants.findById(tenantId), required).catch((error: unknown) => {
      throw error instanceof SluiceException && error.code === 'not_found' ? notFound('API key') : error;
    });
    const key = await this.apiKeys.findById(tenantId, id);
    if (!key || key.deleted_at) throw notFound('API key');
    return { key, role };
  }
}

/** 403 when the caller's role may not grant one of the scopes (a member asking for `write`). */
function requireScopesWithin(scopes: readonly KeyScope[], role: TenantRole): void {
  const beyond = scopesBeyondRole(scopes, role);
  if (beyond.length > 0) throw new SluiceException('forbidden', `A tenant ${role} cannot give a key the ${beyond.join(', ')} scope: a key never acts above its creator's role`);
}

function hashTarget(hash: string): OutboxTarget {
  return { kind: 'api_key', id: hash };
}

function hashTargets(...hashes: Array<string | null>): OutboxTarget[] {
  return [...new Set(hashes.filter((hash): hash is string => hash !== null))].map(hashTarget);
}
