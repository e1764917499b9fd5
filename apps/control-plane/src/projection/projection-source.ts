import {
  ApiKeysRepository,
  ModelsRepository,
  PlansRepository,
  ProjectionSourcesRepository,
  TeamsRepository,
  TenantsRepository,
  type ApiKeyRow,
  type OutboxTarget,
  type PlanRow,
  type Reader,
  type TeamRow,
} from '@sluice/control-plane/data-access';
import { RedisKeys } from '@sluice/contracts';
import type { ProjectionEntry } from '@sluice/projection';
import { apiKeyRecordForHash, catalogRecord, secretHashes, tenantRecord } from './projection-records';


const PAGE = 500;

/** Reads what the projection should hold from the database: one target's record, or all of them. */
export class ProjectionSource {
  constructor(
    private readonly apiKeys: ApiKeysRepository,
    private readonly tenants: TenantsRepository,
    private readonly teams: TeamsRepository,
    private readonly models: ModelsRepository,
    private readonly sources: ProjectionSourcesRepository,
    private readonly plans: PlansRepository,
  ) {}

  async entryFor(target: OutboxTarget, db: Reader): Promise<ProjectionEntry> {
    switch (target.kind) {
      case 'api_key': {
        const key = await this.apiKeys.findByAnyHash(target.id, db);
        const team = key?.team_id ? await this.teams.findById(key.tenant_id, key.team_id, db) : null;
        const secret = key ? apiKeyRecordForHash(key, target.id, team) : null;
        return { target, key: RedisKeys.apiKey(target.id), value: secret ? JSON.stringify(secret.record) : null, expiresAtMs: secret?.expiresAtMs ?? null };
      }
      case 'tenant': {
        const tenant = await this.tenants.findById(target.id, db);
        const plan = tenant ? await this.plans.findById(tenant.subscription_tier, db) : null;
        return { target, key: RedisKeys.tenant(target.id), value: tenant ? JSON.stringify(tenantRecord(tenant, plan)) : null, expiresAtMs: null };
      }
      case 'catalog':
        return { target, key: RedisKeys.catalog(), value: JSON.stringify(catalogRecord(await this.models.all(db))), expiresAtMs: null };
    }
  }

  /** Every record the projection should hold, page by page (absent records are simply not listed). */
  async *allEntries(db: Reader): AsyncGenerator<ProjectionEntry> {
    const now = Date.now();
    for (let after: string | null = null; ; ) {
      const keys: ApiKeyRow[] = await this.apiKeys.pageAll(after, PAGE, db);
      if (keys.length === 0) break;
      const teams = new Map((await this.sources.teams(unique(keys.map((key) => key.team_id)), db)).map((team: TeamRow) => [team.id, team]));
      for (const key of keys) {
        for (const hash of secretHashes(key, now)) {
          const secret = apiKeyRecordForHash(key, hash, key.team_id ? (teams.get(key.team_id) ?? null) : null, now);
          if (secret) yield { target: { kind: 'api_key', id: hash }, key: RedisKeys.apiKey(hash), value: JSON.stringify(secret.record), expiresAtMs: secret.expiresAtMs };
        }
      }
      after = keys[keys.length - 1].id;
    }
    const plans = new Map<string, PlanRow>((await this.plans.list(db)).map((plan) => [plan.id, plan]));
    for (let after: string | null = null; ; ) {
      const tenants = await this.sources.tenantsPage(after, PAGE, db);
      if (tenants.length === 0) break;
      for (const tenant of tenants) {
        yield { target: { kind: 'tenant', id: tenant.id }, key: RedisKeys.tenant(tenant.id), value: JSON.stringify(tenantRecord(tenant, plans.get(tenant.subscription_tier) ?? null)), expiresAtMs: null };
      }
      after = tenants[tenants.length - 1].id;
    }
    yield this.entryFor({ kind: 'catalog' }, db);
  }
}

function unique(ids: Array<string | null>): string[] {
  return [...new Set(ids.filter((id): id is string => id !== null))];
}
